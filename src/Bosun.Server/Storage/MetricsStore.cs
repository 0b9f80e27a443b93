using System.Data.Common;
using Bosun.Contracts.States;
using Dapper;
using static Bosun.Server.Storage.StateSql;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>The figures <c>/metrics</c> reads from the store at each scrape (docs/operations.md).</summary>
internal static class MetricsStore
{
    /// <summary>How many waiting runs a scrape explains one by one; beyond that the remainder is not broken down by reason.</summary>
    public const int ExplainedLimit = 1000;

    /// <summary>Runs by state type and deployment (<c>flow/deployment</c>, empty for runs without one).</summary>
    public static async Task<IReadOnlyList<(string State, string Deployment, long Count)>> RunsByStateAsync(DbConnection connection, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<(string, string, long)>(new CommandDefinition("""
            SELECT r.state_type, COALESCE((SELECT f.name FROM flows f WHERE f.id = d.flow_id) || '/' || d.name, ''), COUNT(*)
            FROM flow_runs r LEFT JOIN deployments d ON d.id = r.deployment_id
            GROUP BY r.state_type, d.flow_id, d.name
            """, cancellationToken: cancellationToken))).ToList();

    /// <summary>
    /// SCHEDULED runs under their plain or Late name not due yet, by pool and queue: they wait for their time, and are
    /// counted here rather than explained one by one (a deployment's schedule keeps up to 100 of them ahead).
    /// </summary>
    public static async Task<IReadOnlyList<(string Pool, string Queue, long Count)>> NotYetDueAsync(DbConnection connection, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<(string, string, long)>(new CommandDefinition($"""
            SELECT COALESCE(p.name, ''), COALESCE(q.name, ''), COUNT(*)
            FROM flow_runs r LEFT JOIN work_pools p ON p.id = r.work_pool_id LEFT JOIN work_queues q ON q.id = r.work_queue_id
            WHERE r.state_type = {Scheduled} AND r.state_name IN ('{StateNames.Scheduled}', '{StateNames.Late}', '{StateNames.AwaitingCrashRetry}')
              AND r.next_scheduled_start_time > @now
            GROUP BY p.name, q.name
            """, new { now = Ms(now) }, cancellationToken: cancellationToken))).ToList();

    /// <summary>The other waiting runs (due SCHEDULED runs, runs awaiting a retry or a slot, PENDING runs), oldest due first, each to be explained.</summary>
    public static async Task<IReadOnlyList<FlowRunRow>> WaitingAsync(DbConnection connection, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<FlowRunRow>(new CommandDefinition($"""
            {FlowRunStore.SelectRun}
            WHERE r.state_type = {Pending}
               OR (r.state_type = {Scheduled} AND (r.next_scheduled_start_time <= @now
                   OR r.state_name NOT IN ('{StateNames.Scheduled}', '{StateNames.Late}', '{StateNames.AwaitingCrashRetry}')))
            ORDER BY r.expected_start_time
            LIMIT {ExplainedLimit}
            """, new { now = Ms(now) }, cancellationToken: cancellationToken))).ToList();

    /// <summary>Late runs by pool.</summary>
    public static async Task<IReadOnlyList<(string Pool, long Count)>> LateAsync(DbConnection connection, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<(string, long)>(new CommandDefinition($"""
            SELECT COALESCE(p.name, ''), COUNT(*)
            FROM flow_runs r LEFT JOIN work_pools p ON p.id = r.work_pool_id
            WHERE r.state_type = {Scheduled} AND r.state_name = '{StateNames.Late}'
            GROUP BY p.name
            """, cancellationToken: cancellationToken))).ToList();

    /// <summary>Every pool with its online workers (docs/behaviour.md §4: within three announced intervals).</summary>
    public static async Task<IReadOnlyList<(string Pool, long Online)>> WorkersOnlineAsync(DbConnection connection, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<(string, long)>(new CommandDefinition($"""
            SELECT p.name, (SELECT COUNT(*) FROM workers w WHERE w.work_pool_id = p.id AND {WorkPoolStore.WorkerOnline})
            FROM work_pools p
            """, new { now = Ms(now) }, cancellationToken: cancellationToken))).ToList();
}
