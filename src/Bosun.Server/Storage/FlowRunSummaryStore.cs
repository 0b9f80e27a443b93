using System.Data.Common;
using Bosun.Contracts;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Dapper;
using static Bosun.Server.Storage.StateSql;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>
/// The read models of lists and followers: runs as summaries (no parameters, job variables or idempotency keys, which a
/// list never shows and which can be large), counts for the dashboard, and the little a log follower needs of its run.
/// </summary>
internal static class FlowRunSummaryStore
{
    /// <summary>The columns of <see cref="FlowRunRow.ToSummary"/>, with the names by scalar subquery (see <see cref="FlowRunStore.SelectRun"/>).</summary>
    public const string SelectSummary = """
        SELECT r.id, r.name, r.state_id, r.state_type, r.state_name, r.state_message, r.state_timestamp, r.state_scheduled_time,
            r.expected_start_time, r.start_time, r.end_time, r.total_run_time_ms, r.worker_name, r.tags, r.parent_flow_run_id,
            (SELECT d.name FROM deployments d WHERE d.id = r.deployment_id) AS deployment_name,
            (SELECT f.name FROM flows f WHERE f.id = r.flow_id) AS flow_name,
            (SELECT p.name FROM work_pools p WHERE p.id = r.work_pool_id) AS work_pool_name,
            (SELECT q.name FROM work_queues q WHERE q.id = r.work_queue_id) AS work_queue_name
        FROM flow_runs r
        """;

    private static readonly string Late = $"r.state_type = {Scheduled} AND r.state_name = '{StateNames.Late}'";

    /// <summary>
    /// Runs expected to start in [<paramref name="from"/>, <paramref name="to"/>), counted by their current state in buckets
    /// of <paramref name="width"/> (bucket n starts at from + n × width); buckets without runs are left out. The counting
    /// is the store's (one grouped scan of ix_flow_runs_expected_start), so a week of many runs is not read run by run.
    /// </summary>
    public static async Task<IReadOnlyList<(long Bucket, StateType State, long Count)>> CountByStateOverTimeAsync(DbConnection connection,
        DateTimeOffset from, DateTimeOffset to, TimeSpan width, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(long Bucket, string State, long Count)>(new CommandDefinition("""
            SELECT (expected_start_time - @from) / @width, state_type, COUNT(*) FROM flow_runs
            WHERE expected_start_time >= @from AND expected_start_time < @to
            GROUP BY 1, 2
            """, new { from = Ms(from), to = Ms(to), width = (long)width.TotalMilliseconds }, cancellationToken: cancellationToken));
        return rows.Select(row => (row.Bucket, State(row.State), row.Count)).ToList();
    }

    /// <summary>
    /// The deployment's runs that ended in [<paramref name="from"/>, <paramref name="to"/>) after they had started, the
    /// <paramref name="limit"/> latest, oldest first.
    /// </summary>
    public static async Task<IReadOnlyList<EndedRun>> EndedRunsAsync(DbConnection connection, Guid deploymentId, DateTimeOffset from, DateTimeOffset to, int limit,
        CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<EndedRunRow>(new CommandDefinition($"""
            SELECT id, name, state_type, state_name, start_time, end_time, total_run_time_ms FROM flow_runs
            WHERE deployment_id = @deploymentId AND state_type IN {Terminal} AND start_time IS NOT NULL AND end_time >= @from AND end_time < @to
            ORDER BY end_time DESC, id LIMIT @limit
            """, new { deploymentId, from = Ms(from), to = Ms(to), limit }, cancellationToken: cancellationToken));
        return rows.Reverse().Select(row => new EndedRun(row.Id, row.Name, State(row.StateType), row.StateName, Time(row.StartTime), Time(row.EndTime),
            TimeSpan.FromMilliseconds(row.TotalRunTimeMs))).ToList();
    }

    /// <summary>
    /// When each run of the pool that held a slot during [<paramref name="from"/>, <paramref name="to"/>) started and ended
    /// (<paramref name="openEnd"/> for a run still holding one), at most <paramref name="limit"/> of them, by start. Only
    /// two numbers a run: the pool page sweeps them into slot use.
    /// </summary>
    public static async Task<IReadOnlyList<(DateTimeOffset Start, DateTimeOffset End)>> SlotIntervalsAsync(DbConnection connection, string poolName,
        DateTimeOffset from, DateTimeOffset to, DateTimeOffset openEnd, int limit, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(long Start, long End)>(new CommandDefinition($"""
            SELECT r.start_time, COALESCE(r.end_time, @openEnd) FROM flow_runs r JOIN work_pools p ON p.id = r.work_pool_id
            WHERE p.name = @poolName AND r.start_time IS NOT NULL AND r.start_time < @to
              AND (r.end_time > @from OR (r.end_time IS NULL AND r.state_type IN {HoldingSlot}))
            ORDER BY r.start_time LIMIT @limit
            """, new { poolName, from = Ms(from), to = Ms(to), openEnd = Ms(openEnd), limit }, cancellationToken: cancellationToken));
        return rows.Select(row => (Time(row.Start), Time(row.End))).ToList();
    }

    /// <summary>The Late runs, the longest overdue first, <paramref name="limit"/> of them, and how many there are.</summary>
    public static async Task<Page<FlowRunSummary>> LateAsync(DbConnection connection, int limit, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<FlowRunRow>(new CommandDefinition(
            $"{SelectSummary} WHERE {Late} ORDER BY r.next_scheduled_start_time, r.id LIMIT @limit", new { limit }, cancellationToken: cancellationToken));
        var total = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            $"SELECT COUNT(*) FROM flow_runs r WHERE {Late}", cancellationToken: cancellationToken));
        return new Page<FlowRunSummary>(rows.Select(row => row.ToSummary()).ToList(), total, 0, limit);
    }

    /// <summary>The run's state and since when it is in it; null when the run does not exist.</summary>
    public static async Task<(StateType State, DateTimeOffset Since)?> StateAsync(DbConnection connection, Guid runId, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<(string State, long Since)?>(new CommandDefinition(
            "SELECT state_type, state_timestamp FROM flow_runs WHERE id = @runId", new { runId }, cancellationToken: cancellationToken));
        return row is { } found ? (StoredValues.State(found.State), Time(found.Since)) : null;
    }

    private sealed class EndedRunRow
    {
        public Guid Id { get; set; }
        public string Name { get; set; } = "";
        public string StateType { get; set; } = "";
        public string StateName { get; set; } = "";
        public long StartTime { get; set; }
        public long EndTime { get; set; }
        public long TotalRunTimeMs { get; set; }
    }
}
