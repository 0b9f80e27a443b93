using System.Data.Common;

namespace Bosun.Server.Storage;

/// <summary>An open write transaction. Dispose without <see cref="CommitAsync"/> rolls back.</summary>
internal sealed class WriteScope(SqlDialect dialect, DbConnection connection, DbTransaction transaction, Func<ValueTask> release) : IAsyncDisposable
{
    private bool _completed;

    public SqlDialect Dialect { get; } = dialect;

    public DbConnection Connection { get; } = connection;

    public DbTransaction Transaction { get; } = transaction;

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        await Transaction.CommitAsync(cancellationToken);
        _completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_completed)
            {
                await Transaction.RollbackAsync(CancellationToken.None);
            }
        }
        finally
        {
            await Transaction.DisposeAsync();
            await release();
        }
    }
}
