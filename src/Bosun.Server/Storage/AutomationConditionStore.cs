using System.Data.Common;
using Bosun.Contracts.States;
using Dapper;
using static Bosun.Server.Storage.StateSql;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>The conditions automations watch by sweeping (not by the outbox): waiting runs, pools without workers, offline workers, skipped slots.</summary>
internal static class AutomationConditionStore
{
    /// <summary>Up to 200 runs SCHEDULED past their time, or PENDING, since before <paramref name="before"/>, oldest first.</summary>
    public static async Task<IReadOnlyList<FlowRunRow>> WaitingRunsAsync(DbConnection connection, DateTimeOffset before, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<FlowRunRow>(new CommandDefinition($"""
            {FlowRunStore.SelectRun}
            WHERE (r.state_type = {Scheduled} AND r.next_scheduled_start_time < @before)
               OR (r.state_type = {Pending} AND r.state_timestamp < @before)
            ORDER BY r.state_timestamp
            LIMIT 200
            """, new { before = Ms(before) }, cancellationToken: cancellationToken))).ToList();

    /// <summary>Unpaused pools with no online worker, each with since when: its last worker's going offline, or its creation.</summary>
    public static async Task<IReadOnlyList<(Guid Id, string Name, long Since, long Workers)>> PoolsWithoutWorkersAsync(DbConnection connection, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        (await connection.QueryAsync<(Guid Id, string Name, long Since, long Workers)>(new CommandDefinition($"""
            SELECT p.id, p.name,
                COALESCE((SELECT MAX(w.last_heartbeat + 3000 * w.heartbeat_interval_seconds) FROM workers w WHERE w.work_pool_id = p.id), p.created),
                (SELECT COUNT(*) FROM workers w WHERE w.work_pool_id = p.id)
            FROM work_pools p
            WHERE NOT p.paused AND NOT EXISTS (SELECT 1 FROM workers w WHERE w.work_pool_id = p.id AND {WorkPoolStore.WorkerOnline})
            """, new { now = Ms(now) }, cancellationToken: cancellationToken))).ToList();

    /// <summary>Workers that went offline (no heartbeat within 3 intervals) since <paramref name="after"/>: id, name, pool, last heartbeat, when they went offline.</summary>
    public static async Task<IReadOnlyList<(Guid Id, string Name, string Pool, long LastHeartbeat, long OfflineAt)>> OfflineWorkersAsync(DbConnection connection,
        DateTimeOffset after, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<(Guid Id, string Name, string Pool, long LastHeartbeat, long OfflineAt)>(new CommandDefinition($"""
            SELECT w.id, w.name, p.name, w.last_heartbeat, w.last_heartbeat + 3000 * w.heartbeat_interval_seconds
            FROM workers w JOIN work_pools p ON p.id = w.work_pool_id
            WHERE NOT ({WorkPoolStore.WorkerOnline}) AND w.last_heartbeat + 3000 * w.heartbeat_interval_seconds >= @after
            """, new { now = Ms(now), after = Ms(after) }, cancellationToken: cancellationToken))).ToList();

    /// <summary>Schedule slots skipped by catch-up since <paramref name="after"/>, with their deployment's address.</summary>
    public static async Task<IReadOnlyList<SkippedSlotRow>> SkippedSlotsAsync(DbConnection connection, DateTimeOffset after, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<SkippedSlotRow>(new CommandDefinition("""
            SELECT s.id, s.deployment_id, s.scheduled_time, s.catch_up, s.skipped_at, d.name AS deployment_name, f.name AS flow_name, d.tags,
                (SELECT p.name FROM work_pools p WHERE p.id = d.work_pool_id) AS work_pool_name
            FROM skipped_runs s JOIN deployments d ON d.id = s.deployment_id JOIN flows f ON f.id = d.flow_id
            WHERE s.skipped_at >= @after
            ORDER BY s.skipped_at
            LIMIT 500
            """, new { after = Ms(after) }, cancellationToken: cancellationToken))).ToList();

    /// <summary>Of <paramref name="keys"/>, those the rule has already recorded.</summary>
    public static async Task<HashSet<string>> RecordedKeysAsync(DbConnection connection, Guid automationId, IReadOnlyCollection<string> keys, CancellationToken cancellationToken) =>
        keys.Count == 0 ? [] : (await connection.QueryAsync<string>(new CommandDefinition(
            $"SELECT event_key FROM automation_events WHERE automation_id = @automationId AND {In(connection, "event_key", "keys")}",
            new { automationId, keys = keys.ToArray() }, cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
}

internal sealed class SkippedSlotRow
{
    public Guid Id { get; set; }
    public Guid DeploymentId { get; set; }
    public long ScheduledTime { get; set; }
    public string CatchUp { get; set; } = "";
    public long SkippedAt { get; set; }
    public string DeploymentName { get; set; } = "";
    public string FlowName { get; set; } = "";
    public string? Tags { get; set; }
    public string? WorkPoolName { get; set; }
}
