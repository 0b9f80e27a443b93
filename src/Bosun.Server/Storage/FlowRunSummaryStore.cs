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

    /// <summary>How many runs expected to start at or after <paramref name="since"/> are in each state.</summary>
    public static async Task<IReadOnlyDictionary<StateType, int>> CountByStateAsync(DbConnection connection, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(string State, int Count)>(new CommandDefinition(
            "SELECT state_type, COUNT(*) FROM flow_runs WHERE expected_start_time >= @since GROUP BY state_type",
            new { since = Ms(since) }, cancellationToken: cancellationToken));
        return rows.ToDictionary(row => State(row.State), row => row.Count);
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
}
