using System.Data.Common;
using Bosun.Contracts.States;
using Bosun.Server.Domain;
using Bosun.Server.Storage;
using Dapper;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Orchestration;

/// <summary>
/// Why a run is not running yet (spec §4, a Bosun addition): the first obstacle in delivery order, naming the
/// runs that hold a full limit's slots.
/// </summary>
internal static class WaitingReasons
{
    private const string Active = "('PENDING','RUNNING','CANCELLING')";

    public static async Task<string?> ExplainAsync(DbConnection connection, FlowRunRow run, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var state = run.State;
        if (state.Type == StateType.Pending)
        {
            return $"claimed by worker '{run.WorkerName}', which is starting its infrastructure";
        }

        if (state.Type != StateType.Scheduled)
        {
            return null;
        }

        if (state.Name == StateNames.AwaitingRetry)
        {
            return $"awaiting retry at {state.ScheduledTime:u}; the flow's own process retries it";
        }

        if (state.Name == StateNames.AwaitingConcurrencySlot && run.DeploymentId is { } waitingOn)
        {
            var limit = await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
                "SELECT concurrency_limit FROM deployments WHERE id = @waitingOn", new { waitingOn }, cancellationToken: cancellationToken));
            return $"deployment limit {limit} reached{HeldBy(await HoldersAsync(connection, "deployment_id", waitingOn, cancellationToken))}";
        }

        if (run.NextScheduledStartTime is { } due && Time(due) > now)
        {
            return $"scheduled for {Time(due):u}";
        }

        if (run.WorkPoolId is not { } poolId)
        {
            if (run.DeploymentId is null)
            {
                return "not on a work pool: nothing will pick it up";
            }

            var polled = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                "SELECT last_polled FROM deployments WHERE id = @id", new { id = run.DeploymentId }, cancellationToken: cancellationToken));
            return polled is { } ms && now - Time(ms) <= Statuses.PollWindow
                ? "waiting for the serving process to pick it up"
                : $"deployment '{run.DeploymentName}' is served, and no serving process has polled for it in the last minute";
        }

        var pool = await connection.QuerySingleAsync<(string Name, bool Paused, int? Limit)>(new CommandDefinition(
            "SELECT name, paused, concurrency_limit FROM work_pools WHERE id = @poolId", new { poolId }, cancellationToken: cancellationToken));
        if (pool.Paused)
        {
            return $"pool '{pool.Name}' is paused";
        }

        var queue = await connection.QuerySingleOrDefaultAsync<(string Name, bool Paused, int? Limit)>(new CommandDefinition(
            "SELECT name, paused, concurrency_limit FROM work_queues WHERE id = @queueId", new { queueId = run.WorkQueueId }, cancellationToken: cancellationToken));
        if (queue.Paused)
        {
            return $"queue '{queue.Name}' of pool '{pool.Name}' is paused";
        }

        if (pool.Limit is { } poolLimit && await HoldersAsync(connection, "work_pool_id", poolId, cancellationToken) is var poolHolders && poolHolders.Count >= poolLimit)
        {
            return $"pool '{pool.Name}' at its limit {poolLimit}{HeldBy(poolHolders)}";
        }

        if (queue.Limit is { } queueLimit && await HoldersAsync(connection, "work_queue_id", run.WorkQueueId!.Value, cancellationToken) is var queueHolders && queueHolders.Count >= queueLimit)
        {
            return $"queue '{queue.Name}' at its limit {queueLimit}{HeldBy(queueHolders)}";
        }

        if (run.DeploymentId is { } deploymentId)
        {
            var deploymentLimit = await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
                "SELECT concurrency_limit FROM deployments WHERE id = @deploymentId", new { deploymentId }, cancellationToken: cancellationToken));
            if (deploymentLimit is { } limit && await HoldersAsync(connection, "deployment_id", deploymentId, cancellationToken) is var holders && holders.Count >= limit)
            {
                return $"deployment limit {limit} reached{HeldBy(holders)}";
            }
        }

        var online = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            $"SELECT COUNT(*) FROM workers w WHERE w.work_pool_id = @poolId AND {Statuses.WorkerOnlineSql}",
            new { poolId, now = Ms(now) }, cancellationToken: cancellationToken));
        return online == 0
            ? $"no worker online for pool '{pool.Name}'; start one with `bosun worker start --pool {pool.Name}`"
            : $"waiting for a worker of pool '{pool.Name}' to claim it";
    }

    private static async Task<Holders> HoldersAsync(DbConnection connection, string column, Guid id, CancellationToken cancellationToken)
    {
        var count = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            $"SELECT COUNT(*) FROM flow_runs WHERE {column} = @id AND state_type IN {Active}", new { id }, cancellationToken: cancellationToken));
        var names = count == 0 ? [] : (await connection.QueryAsync<string>(new CommandDefinition(
            $"SELECT name FROM flow_runs WHERE {column} = @id AND state_type IN {Active} ORDER BY state_timestamp LIMIT 10",
            new { id }, cancellationToken: cancellationToken))).ToList();
        return new Holders(count, names);
    }

    private static string HeldBy(Holders holders) =>
        holders.Count == 0 ? "" : $" (held by runs {string.Join(", ", holders.Names)}{(holders.Count > holders.Names.Count ? $" and {holders.Count - holders.Names.Count} more" : "")})";

    private sealed record Holders(int Count, IReadOnlyList<string> Names);
}
