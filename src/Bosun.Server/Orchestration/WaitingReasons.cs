using System.Data.Common;
using Bosun.Contracts.States;
using Bosun.Server.Domain;
using Bosun.Server.Storage;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Orchestration;

/// <summary>
/// Why a run is not running yet (docs/behaviour.md §4, a Bosun addition): the first obstacle in delivery order, naming the
/// runs that hold a full limit's slots.
/// </summary>
internal static class WaitingReasons
{
    public static Task<string?> ExplainAsync(DbConnection connection, FlowRunRow run, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExplainAsync(connection, null, run, null, null, now, cancellationToken);

    /// <summary>
    /// The reason read inside <paramref name="transaction"/> (a write transaction answering with what it wrote), where
    /// <paramref name="deployment"/> is the run's deployment as that transaction read it (its last poll is not read again),
    /// and <paramref name="delivery"/>, when given, the run's pool and queue as it read them (not read again).
    /// </summary>
    public static async Task<string?> ExplainAsync(DbConnection connection, DbTransaction? transaction, FlowRunRow run, DeploymentRow? deployment,
        DeliveryFacts? delivery, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await DecideAsync(connection, transaction, run, deployment, delivery, now, cancellationToken))?.Message;

    /// <summary>
    /// The reason with its kind (the label of <c>bosun_runs_waiting</c>), or null when the run is not waiting; a run its
    /// start timeout left waiting (LEAVE_LATE) says so.
    /// </summary>
    public static Task<WaitingReason?> DecideAsync(DbConnection connection, FlowRunRow run, DateTimeOffset now, CancellationToken cancellationToken) =>
        DecideAsync(connection, null, run, null, null, now, cancellationToken);

    private static async Task<WaitingReason?> DecideAsync(DbConnection connection, DbTransaction? transaction, FlowRunRow run, DeploymentRow? deployment,
        DeliveryFacts? delivery, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var reason = await ObstacleAsync(connection, transaction, run, deployment, delivery, now, cancellationToken);
        return reason is not null && run.StartTimeoutFiredFor is { } firedFor && firedFor == run.DueMs
            ? reason with { Message = $"{reason.Message}; its start timeout of {run.StartTimeoutSeconds} s has passed, and it is left waiting (start_timeout_action LEAVE_LATE)" }
            : reason;
    }

    private static async Task<WaitingReason?> ObstacleAsync(DbConnection connection, DbTransaction? transaction, FlowRunRow run, DeploymentRow? deployment,
        DeliveryFacts? known, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var state = run.State;
        if (state.Type == StateType.Pending)
        {
            // The worker's own words on what holds the infrastructure up (a pod that cannot be scheduled), when it said any.
            return new(WaitingKind.StartingInfrastructure, $"claimed by worker '{run.WorkerName}', which is starting its infrastructure{(run.InfrastructureWaitingReason is { } reason ? $": {reason}" : "")}");
        }

        if (state is { Type: StateType.Paused, Name: StateNames.AwaitingConcurrencySlot })
        {
            // Resumed while its limits were full: it waits like a claim would, on the first full one.
            var facts = await WorkPoolStore.GetDeliveryFactsAsync(connection, transaction, run.WorkPoolId, run.WorkQueueId, run.DeploymentId, now, cancellationToken);
            return await FullLimitAsync(connection, transaction, run, facts, cancellationToken) is { } fullLimit
                ? fullLimit with { Message = $"resumed, waiting for a slot: {fullLimit.Message}" }
                : new(WaitingKind.DeploymentLimit, "resumed, waiting for a slot: one is free, and the server gives it to the run within a few seconds");
        }

        if (state.Type != StateType.Scheduled)
        {
            return null;
        }

        if (state.Name == StateNames.AwaitingRetry)
        {
            return new(WaitingKind.AwaitingRetry, $"awaiting retry at {state.ScheduledTime:u}; the flow's own process retries it");
        }

        if (state.Name == StateNames.AwaitingConcurrencySlot && run.DeploymentId is { } waitingOn)
        {
            var limit = await DeploymentStore.GetConcurrencyLimitAsync(connection, transaction, waitingOn, cancellationToken);
            return new(WaitingKind.DeploymentLimit, $"deployment limit {limit} reached{HeldBy(await FlowRunStore.SlotHoldersAsync(connection, transaction, SlotScope.Deployment, waitingOn, cancellationToken))}");
        }

        if (run.NextScheduledStartTime is { } due && Time(due) > now)
        {
            return new(WaitingKind.Scheduled, $"scheduled for {Time(due):u}");
        }

        if (run.WorkPoolId is not { } poolId)
        {
            if (run.DeploymentId is not { } servedId)
            {
                return new(WaitingKind.NotOnAPool, "not on a work pool: nothing will pick it up");
            }

            var polled = deployment?.Id == servedId ? deployment.LastPolled : await DeploymentStore.GetLastPolledAsync(connection, transaction, servedId, cancellationToken);
            return polled is { } ms && now - Time(ms) <= Statuses.PollWindow
                ? new(WaitingKind.WaitingForWorker, "waiting for the serving process to pick it up")
                : new(WaitingKind.NoWorker, $"deployment '{run.DeploymentName}' is served, and no serving process has polled for it in the last minute");
        }

        var delivery = known ?? await WorkPoolStore.GetDeliveryFactsAsync(connection, transaction, poolId, run.WorkQueueId, run.DeploymentId, now, cancellationToken);
        var poolName = delivery.PoolName;
        if (delivery.PoolPaused)
        {
            return new(WaitingKind.PoolPaused, $"pool '{poolName}' is paused");
        }

        if (delivery.QueuePaused)
        {
            return new(WaitingKind.QueuePaused, $"queue '{delivery.QueueName}' of pool '{poolName}' is paused");
        }

        if (await FullLimitAsync(connection, transaction, run, delivery, cancellationToken) is { } full)
        {
            return full;
        }

        return delivery.OnlineWorkers == 0
            ? new(WaitingKind.NoWorker, $"no worker online for pool '{poolName}'; start one with `bosun worker start --pool {poolName}`")
            : new(WaitingKind.WaitingForWorker, $"waiting for a worker of pool '{poolName}' to claim it");
    }

    /// <summary>The first of the run's pool, queue and deployment limits that is full, naming the runs that hold its slots; null when none is.</summary>
    private static async Task<WaitingReason?> FullLimitAsync(DbConnection connection, DbTransaction? transaction, FlowRunRow run, DeliveryFacts facts, CancellationToken cancellationToken)
    {
        if (run.WorkPoolId is { } poolId && facts.PoolLimit is { } poolLimit && await FlowRunStore.SlotHoldersAsync(connection, transaction, SlotScope.WorkPool, poolId, cancellationToken) is var poolHolders && poolHolders.Count >= poolLimit)
        {
            return new(WaitingKind.PoolLimit, $"pool '{facts.PoolName}' at its limit {poolLimit}{HeldBy(poolHolders)}");
        }

        if (facts.QueueLimit is { } queueLimit && await FlowRunStore.SlotHoldersAsync(connection, transaction, SlotScope.WorkQueue, run.WorkQueueId!.Value, cancellationToken) is var queueHolders && queueHolders.Count >= queueLimit)
        {
            return new(WaitingKind.QueueLimit, $"queue '{facts.QueueName}' at its limit {queueLimit}{HeldBy(queueHolders)}");
        }

        if (run.DeploymentId is { } deploymentId && facts.DeploymentLimit is { } limit &&
            await FlowRunStore.SlotHoldersAsync(connection, transaction, SlotScope.Deployment, deploymentId, cancellationToken) is var holders && holders.Count >= limit)
        {
            return new(WaitingKind.DeploymentLimit, $"deployment limit {limit} reached{HeldBy(holders)}");
        }

        return null;
    }

    private static string HeldBy((int Count, IReadOnlyList<string> Names) holders) =>
        holders.Count == 0 ? "" : $" (held by runs {string.Join(", ", holders.Names)}{(holders.Count > holders.Names.Count ? $" and {holders.Count - holders.Names.Count} more" : "")})";
}
