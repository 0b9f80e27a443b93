using System.Data.Common;

namespace Bosun.Server.Storage;

/// <summary>
/// An open write transaction (on SQLite, a caller's part of one: see <see cref="SqliteDialect"/>'s group commit).
/// <see cref="CommitAsync"/> returns once the work is durable; dispose without it rolls the work back.
/// </summary>
internal sealed class WriteScope(SqlDialect dialect, DbConnection connection, DbTransaction transaction, WriteScope.IEnding ending) : IAsyncDisposable
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

    public DbTransaction Transaction { get; } = transaction;

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
}
