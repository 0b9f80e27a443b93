using Microsoft.Data.Sqlite;
using Npgsql;

namespace Bosun.Bench;

/// <summary>
/// Finished runs of a deployment in bulk, written by the database itself (PostgreSQL's generate_series, SQLite's
/// recursive CTE) into the tables the server's own migrations made: a million rows in seconds, where the API would take
/// an hour. The rows are what the server writes for a finished run, without a state history (no page reads it).
/// </summary>
internal static class RunSeeder
{
    /// <summary>A random lowercase UUID in SQLite, the text form the server stores ids in.</summary>
    private const string SqliteUuid = "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-' || hex(randomblob(2)) || '-' || hex(randomblob(2)) || '-' || hex(randomblob(6)))";

    private const string Columns = """
        id, name, flow_id, deployment_id, work_pool_id, work_queue_id, parameters, job_variables, tags,
        state_id, state_type, state_name, state_timestamp, expected_start_time, end_time, run_count, worker_name, created, updated
        """;

    /// <summary>
    /// Inserts <paramref name="count"/> finished runs of <paramref name="deploymentId"/>, every
    /// <paramref name="failedEvery"/>-th FAILED (never when 0), the others COMPLETED, ended over the last minutes;
    /// <paramref name="first"/> numbers them so that successive calls name them apart.
    /// </summary>
    public static async Task SeedFinishedAsync(string location, bool postgres, Guid deploymentId, int first, int count, int failedEvery)
    {
        if (postgres)
        {
            await using var connection = new NpgsqlConnection(location);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"""
                INSERT INTO flow_runs ({Columns})
                SELECT gen_random_uuid()::text, 'seed-' || n, d.flow_id, d.id, d.work_pool_id, d.work_queue_id, {Values("gen_random_uuid()::text")}
                FROM generate_series(@first::bigint, @last::bigint) AS n, deployments d WHERE d.id = @deployment
                """, connection);
            command.CommandTimeout = 1800;
            AddParameters(command.Parameters, deploymentId, first, count, failedEvery);
            await command.ExecuteNonQueryAsync();
            // What autovacuum does soon after a bulk load (since PostgreSQL 13 inserts alone start a VACUUM, which sets
            // the visibility map that index-only scans need, besides the ANALYZE), done at once so that plans see the
            // table as a running server's would be.
            await using var analyze = new NpgsqlCommand("VACUUM ANALYZE flow_runs", connection);
            await analyze.ExecuteNonQueryAsync();
            return;
        }

        await using var sqlite = new SqliteConnection($"Data Source={location}");
        await sqlite.OpenAsync();
        await using (var pragma = new SqliteCommand("PRAGMA busy_timeout=30000", sqlite))
        {
            await pragma.ExecuteNonQueryAsync();
        }

        // In slices of 100,000 rows: the server waits for the write lock (busy_timeout) while each is written.
        for (var slice = first; slice < first + count; slice += 100_000)
        {
            await using var command = new SqliteCommand($"""
                WITH RECURSIVE g(n) AS (SELECT @first UNION ALL SELECT n + 1 FROM g WHERE n < @last)
                INSERT INTO flow_runs ({Columns})
                SELECT {SqliteUuid}, 'seed-' || n, d.flow_id, d.id, d.work_pool_id, d.work_queue_id, {Values(SqliteUuid)}
                FROM g, deployments d WHERE d.id = @deployment
                """, sqlite);
            command.CommandTimeout = 1800;
            AddParameters(command.Parameters, deploymentId, slice, Math.Min(100_000, first + count - slice), failedEvery);
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>The columns after work_queue_id, for the row numbered n, with <paramref name="uuid"/> making the state id.</summary>
    private static string Values(string uuid) => $$"""
        '{}', '{}', '[]', {{uuid}},
        CASE WHEN @failedEvery > 0 AND n % @failedEvery = 0 THEN 'FAILED' ELSE 'COMPLETED' END,
        CASE WHEN @failedEvery > 0 AND n % @failedEvery = 0 THEN 'Failed' ELSE 'Completed' END,
        @now - n, @now - n - 1000, @now - n, 1, 'seed', @now - n, @now - n
        """;

    private static void AddParameters(System.Data.Common.DbParameterCollection parameters, Guid deploymentId, int first, int count, int failedEvery)
    {
        void Add(string name, object value)
        {
            var parameter = parameters is NpgsqlParameterCollection ? (System.Data.Common.DbParameter)new NpgsqlParameter(name, value) : new SqliteParameter(name, value);
            parameters.Add(parameter);
        }

        Add("now", TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds());
        Add("first", (long)first);
        Add("last", (long)first + count - 1);
        Add("failedEvery", failedEvery);
        Add("deployment", deploymentId.ToString());
    }
}
