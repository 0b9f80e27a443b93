using Npgsql;

namespace Bosun.Server.Storage;

/// <summary>
/// Which replica runs the sweeping services (scheduler, late runs, zombies). With SQLite there is one server, always the
/// leader. With PostgreSQL the leader holds a session advisory lock on a dedicated connection; when its process dies
/// the lock goes with the session, and another replica takes it at its next try.
/// </summary>
internal sealed class Leadership(BosunDatabase database) : IAsyncDisposable
{
    private const long LeaderLockKey = 0x626f73756e4c;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private NpgsqlConnection? _lockConnection;

    /// <summary>What the last check found: true while this replica holds the leader lock (always on SQLite).</summary>
    public bool IsHeld => database.Dialect is not PostgresDialect || _lockConnection is not null;

    public async Task<bool> IsLeaderAsync(CancellationToken cancellationToken)
    {
        if (database.Dialect is not PostgresDialect postgres)
        {
            return true;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_lockConnection is { State: System.Data.ConnectionState.Open } held)
            {
                // Still ours while the session lives; a broken connection means the lock is gone.
                await using var check = new NpgsqlCommand("SELECT 1", held);
                try
                {
                    await check.ExecuteScalarAsync(cancellationToken);
                    return true;
                }
                catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
                {
                    await held.DisposeAsync();
                    _lockConnection = null;
                }
            }

            var connection = postgres.CreateDedicatedConnection();
            try
            {
                await connection.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand($"SELECT pg_try_advisory_lock({LeaderLockKey})", connection);
                if (await command.ExecuteScalarAsync(cancellationToken) is true)
                {
                    _lockConnection = connection;
                    return true;
                }
            }
            catch (NpgsqlException)
            {
                // The database is unreachable: nobody can lead through this connection now.
            }

            await connection.DisposeAsync();
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_lockConnection is not null)
        {
            await _lockConnection.DisposeAsync();
        }

        _gate.Dispose();
    }
}
