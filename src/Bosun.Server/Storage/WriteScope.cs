using Dapper;
using System.Data.Common;

namespace Bosun.Server.Storage;

/// <summary>
/// An open write transaction (on SQLite, a caller's part of one: see <see cref="SqliteDialect"/>'s group commit).
/// <see cref="CommitAsync"/> returns once the work is durable; dispose without it rolls the work back. A scope of work
/// that writes in one command (<see cref="SqlDialect.BeginOneCommandWriteAsync"/>) may have no transaction: its
/// command is atomic by itself.
/// </summary>
internal sealed class WriteScope(SqlDialect dialect, DbConnection connection, DbTransaction? transaction, WriteScope.IEnding ending) : IAsyncDisposable
{
    private bool _committed;

    /// <summary>How a dialect ends its scopes.</summary>
    public interface IEnding
    {
        /// <summary>Makes the scope's work durable; the scope holds nothing afterwards.</summary>
        Task CommitAsync(CancellationToken cancellationToken);

        /// <summary>Called once, when the scope is disposed: rolls the work back unless <paramref name="committed"/>, and lets go of the connection.</summary>
        ValueTask EndAsync(bool committed);
    }

    public SqlDialect Dialect { get; } = dialect;

    public DbConnection Connection { get; } = connection;

    /// <summary>The scope's transaction; null in a scope of one write command on PostgreSQL (<see cref="NoTransaction"/>).</summary>
    public DbTransaction? Transaction { get; } = transaction;

    private (string Sql, object Parameters, int Rows)? _deferred;

    /// <summary>
    /// Locks the rows of <paramref name="table"/> whose ids are <paramref name="ids"/> until the transaction ends, in the
    /// order of their ids, as every transaction that locks several rows of a table does (docs/ARCHITECTURE.md): one that
    /// then works on them one by one waits, if it must, before it holds any of them. SQLite's one writer needs none.
    /// </summary>
    public async Task LockInIdOrderAsync(string table, IEnumerable<Guid> ids, CancellationToken cancellationToken)
    {
        var rowIds = StoredValues.Ids(ids.Distinct());
        if (Dialect.LocksRows && Transaction is null)
        {
            throw new InvalidOperationException("Rows are locked in a transaction: this scope writes one command and has none.");
        }

        if (!Dialect.LocksRows || rowIds.Length == 0)
        {
            return;
        }

        await Connection.ExecuteAsync(new CommandDefinition(
            $"SELECT id FROM {table} WHERE {StoredValues.In(Connection, "id", "rowIds")} ORDER BY id {Dialect.RowLockClause}",
            new { rowIds }, Transaction, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// A statement whose answer nobody reads (audit entries) that must run in this transaction before it commits: the
    /// first store statement that can carry it takes it along (<see cref="TakeDeferred"/>, <see cref="ExecuteWithDeferredAsync"/>),
    /// saving a round trip, and whatever is left runs alone before the commit (<see cref="RunDeferredAsync"/>). Its
    /// parameter names must not clash with those of the statements that carry it; <paramref name="rows"/> is how many rows
    /// it inserts.
    /// </summary>
    public void Defer(string sql, object parameters, int rows = 1)
    {
        if (_deferred is not null)
        {
            throw new InvalidOperationException("A statement is already deferred in this transaction.");
        }

        _deferred = (sql, parameters, rows);
    }

    /// <summary>The deferred statement, now the caller's to send in the same command as its own; null when there is none.</summary>
    public (string Sql, object Parameters, int Rows)? TakeDeferred()
    {
        var deferred = _deferred;
        _deferred = null;
        return deferred;
    }

    /// <summary>
    /// Executes <paramref name="sql"/> in this transaction, with the deferred statement, if any, in the same command; the
    /// rows <paramref name="sql"/> affected (the deferred statement's own not counted).
    /// </summary>
    public async Task<int> ExecuteWithDeferredAsync(string sql, object parameters, CancellationToken cancellationToken)
    {
        if (TakeDeferred() is not var (deferredSql, deferredParameters, rows))
        {
            return await Connection.ExecuteAsync(new CommandDefinition(sql, parameters, Transaction, cancellationToken: cancellationToken));
        }

        var combined = new DynamicParameters(parameters);
        combined.AddDynamicParams(deferredParameters);
        return await Connection.ExecuteAsync(new CommandDefinition(sql + ";\n" + deferredSql, combined, Transaction, cancellationToken: cancellationToken)) - rows;
    }

    /// <summary>Runs the deferred statement if no store statement took it.</summary>
    public async Task RunDeferredAsync(CancellationToken cancellationToken)
    {
        if (TakeDeferred() is var (sql, parameters, _))
        {
            await Connection.ExecuteAsync(new CommandDefinition(sql, parameters, Transaction, cancellationToken: cancellationToken));
        }
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        await ending.CommitAsync(cancellationToken);
        _committed = true;
    }

    public ValueTask DisposeAsync() => ending.EndAsync(_committed);

    /// <summary>A transaction of its own on a connection of its own (PostgreSQL): committed, or rolled back, then the connection is closed.</summary>
    public sealed class OwnTransaction(DbConnection connection, DbTransaction transaction) : IEnding
    {
        public Task CommitAsync(CancellationToken cancellationToken) => transaction.CommitAsync(cancellationToken);

        public async ValueTask EndAsync(bool committed)
        {
            try
            {
                if (!committed)
                {
                    await transaction.RollbackAsync(CancellationToken.None);
                }
            }
            finally
            {
                await transaction.DisposeAsync();
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// No transaction, for work that writes in one command (PostgreSQL: <see cref="SqlDialect.BeginOneCommandWriteAsync"/>):
    /// the command runs in its batch's implicit transaction, so nothing is left to commit or roll back; the connection
    /// is closed at the end.
    /// </summary>
    public sealed class NoTransaction(DbConnection connection) : IEnding
    {
        public Task CommitAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask EndAsync(bool committed) => connection.DisposeAsync();
    }
}
