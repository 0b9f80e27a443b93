using Bosun.Server.Orchestration;
using Bosun.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bosun.Postgres.Tests;

/// <summary>What the tests see of a test server's PostgreSQL database from a connection of their own.</summary>
internal static class PostgresProbe
{
    public static async Task<NpgsqlConnection> ConnectAsync(TestServer server)
    {
        var connection = new NpgsqlConnection(server.Server.Services.GetRequiredService<IOptions<BosunServerOptions>>().Value.Database);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Whether another backend of the database waits for a lock (read afresh: <see cref="ActivityAsync"/>).</summary>
    public static async Task<bool> WaitingForALockAsync(NpgsqlConnection connection) =>
        await ActivityAsync(connection, "EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock')") is true;

    /// <summary>
    /// The value of <paramref name="select"/> (a query of pg_stat_activity), read afresh: PostgreSQL keeps what a
    /// transaction first read of pg_stat_activity until it ends, and the caller may be polling from inside the
    /// transaction that holds a lock others wait for.
    /// </summary>
    public static async Task<object?> ActivityAsync(NpgsqlConnection connection, string select)
    {
        await using var command = new NpgsqlCommand($"SELECT pg_stat_clear_snapshot(); SELECT {select}", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.NextResultAsync();
        return await reader.ReadAsync() && !await reader.IsDBNullAsync(0) ? reader.GetValue(0) : null;
    }

    public static async Task<List<string>> QueryIdsAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
    }
}
