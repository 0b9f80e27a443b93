using System.Data.Common;
using Dapper;

namespace Bosun.Server.Storage;

/// <summary>The store's entry point: read and write units of work over the configured dialect.</summary>
internal sealed class BosunDatabase(SqlDialect dialect)
{
    public SqlDialect Dialect { get; } = dialect;

    public async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenReadConnectionAsync(cancellationToken);
        return await work(connection);
    }

    /// <summary>
    /// Runs a batch of statements as one atomic unit (<see cref="SqlDialect.ExecuteAtomicAsync"/>), again on a deadlock (3 tries).
    /// Under a pending <see cref="AuditedChange"/> the batch runs in a write transaction that also takes the entry.
    /// </summary>
    public async Task<int> ExecuteAtomicAsync(string batch, object parameters, CancellationToken cancellationToken)
    {
        if (AuditedChange.Pending is not null)
        {
            return await WriteAsync(scope => scope.ExecuteWithDeferredAsync(batch, parameters, cancellationToken), cancellationToken);
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await Dialect.ExecuteAtomicAsync(batch, parameters, cancellationToken);
            }
            catch (Exception ex) when (attempt < 3 && StoreFaults.IsRetryableConflict(ex))
            {
                // Nothing was written: the batch was rolled back as a whole.
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a write transaction; a deadlock, serialization failure or unique violation runs it
    /// again (3 tries).
    /// The entry of a pending <see cref="AuditedChange"/> is inserted in the same transaction (<see cref="WriteScope.Defer"/>).
    /// </summary>
    public Task<T> WriteAsync<T>(Func<WriteScope, Task<T>> work, CancellationToken cancellationToken) =>
        WriteInAsync(Dialect.BeginWriteAsync, work, cancellationToken);

    /// <summary>
    /// As <see cref="WriteAsync{T}"/>, for work that reads and then writes in one command, the deferred statement taken
    /// along (<see cref="WriteScope.ExecuteWithDeferredAsync"/>): on PostgreSQL without a transaction, one round trip
    /// less (<see cref="SqlDialect.BeginOneCommandWriteAsync"/>). The work's reads after its command see it committed.
    /// </summary>
    public Task<T> WriteOneCommandAsync<T>(Func<WriteScope, Task<T>> work, CancellationToken cancellationToken) =>
        WriteInAsync(Dialect.BeginOneCommandWriteAsync, work, cancellationToken);

    private static async Task<T> WriteInAsync<T>(Func<CancellationToken, Task<WriteScope>> begin, Func<WriteScope, Task<T>> work, CancellationToken cancellationToken)
    {
        var change = AuditedChange.Pending;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = await begin(cancellationToken);
                if (change is not null)
                {
                    // Sent with the work's own statements where one takes it (a run's insert, a state change's write), else alone after the work.
                    scope.Defer(AuditStore.InsertSql, AuditStore.Parameters(change.Entry));
                }

                var result = await work(scope);
                await scope.RunDeferredAsync(cancellationToken);
                await scope.CommitAsync(cancellationToken);
                change?.MarkRecorded();
                return result;
            }
            catch (Exception ex) when (attempt < 3 && (StoreFaults.IsRetryableConflict(ex) || StoreFaults.IsUniqueViolation(ex)))
            {
                // Nothing was written: the transaction was rolled back as a whole. After a unique violation (a name or id
                // another writer took between this work's check and its insert, on PostgreSQL) the work runs again and its
                // check sees that write: a 409 for a name taken, the first attempt's answer for a request sent again.
            }
        }
    }
}
