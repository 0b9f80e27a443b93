using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Server.Api;
using Dapper;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>
/// One claim, in one write transaction: select eligible runs in delivery order (queue priority, then due time)
/// while counting pool, queue and deployment slots, move each to PENDING through the guarded transition, and
/// record the poll. Because the counts and the moves share the transaction, no limit can be overshot and no
/// run handed out twice.
/// </summary>
internal static class ClaimStore
{
    private const int CandidateBatch = 64;

    public static async Task<ClaimOutcome> ClaimAsync(
        WriteScope scope, SqlDialect dialect, string poolName, ClaimRequest request, DateTimeOffset now, TimeSpan prefetch, CancellationToken cancellationToken)
    {
        var pool = await WorkPoolStore.GetPoolAsync(scope.Connection, poolName, now, cancellationToken, scope.Transaction)
            ?? throw ApiProblemException.NotFound($"Work pool '{poolName}' does not exist. Create it with `bosun work-pool create {poolName} --type TYPE`.");
        await WorkPoolStore.UpsertWorkerAsync(scope, pool.Id, request.WorkerName, request.WorkerType,
            request.HeartbeatIntervalSeconds ?? Orchestration.Statuses.DefaultHeartbeatIntervalSeconds, now, cancellationToken);

        var queues = (await WorkPoolStore.ListQueuesAsync(scope.Connection, pool.Id, cancellationToken, scope.Transaction)).ToList();
        if (request.WorkQueueNames is { Count: > 0 } names)
        {
            var unknown = names.Where(name => queues.All(queue => queue.Name != name)).ToList();
            if (unknown.Count > 0)
            {
                throw ApiProblemException.NotFound(
                    $"Work pool '{poolName}' has no queue named {string.Join(", ", unknown.Select(n => $"'{n}'"))}; its queues are {string.Join(", ", queues.Select(q => $"'{q.Name}'"))}.");
            }

            queues = queues.Where(queue => names.Contains(queue.Name)).ToList();
        }

        var queueIds = queues.Select(queue => queue.Id).ToList();
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE work_queues SET last_polled = @now WHERE id IN @queueIds", new { queueIds = Ids(queueIds), now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken));

        var claimed = new List<Guid>();
        var wakes = false;
        if (pool.Paused || request.MaxRuns <= 0)
        {
            return new ClaimOutcome(pool.Id, claimed, wakes);
        }

        var want = Math.Min(request.MaxRuns, pool.ConcurrencyLimit is { } poolLimit ? Math.Max(0, poolLimit - pool.SlotsInUse) : int.MaxValue);
        var cutoff = Ms(now + prefetch);
        var deploymentSlots = new Dictionary<Guid, (int? Limit, int InUse)>();

        foreach (var queue in queues.Where(queue => !queue.Paused))
        {
            if (want <= 0)
            {
                break;
            }

            var take = Math.Min(want, queue.ConcurrencyLimit is { } queueLimit ? Math.Max(0, queueLimit - queue.SlotsInUse) : int.MaxValue);
            long afterTime = long.MinValue;
            var afterId = Guid.Empty;
            while (take > 0)
            {
                var candidates = (await scope.Connection.QueryAsync<(Guid Id, Guid? DeploymentId, long Due)>(new CommandDefinition(
                    $"""
                    SELECT id, deployment_id, next_scheduled_start_time FROM flow_runs
                    WHERE work_queue_id = @queueId AND state_type = 'SCHEDULED' AND state_name <> 'AwaitingRetry'
                      AND next_scheduled_start_time <= @cutoff
                      AND (next_scheduled_start_time > @afterTime OR (next_scheduled_start_time = @afterTime AND id > @afterId))
                    ORDER BY next_scheduled_start_time, id LIMIT @batch {dialect.ClaimLockClause}
                    """,
                    new { queueId = queue.Id, cutoff, afterTime, afterId, batch = Math.Max(take, CandidateBatch) },
                    scope.Transaction, cancellationToken: cancellationToken))).ToList();
                if (candidates.Count == 0)
                {
                    break;
                }

                foreach (var candidate in candidates)
                {
                    (afterTime, afterId) = (candidate.Due, candidate.Id);
                    if (take <= 0)
                    {
                        break;
                    }

                    if (candidate.DeploymentId is { } deploymentId)
                    {
                        if (!deploymentSlots.TryGetValue(deploymentId, out var slots))
                        {
                            slots = await scope.Connection.QuerySingleAsync<(int?, int)>(new CommandDefinition("""
                                SELECT d.concurrency_limit,
                                    (SELECT COUNT(*) FROM flow_runs r WHERE r.deployment_id = d.id AND r.state_type IN ('PENDING','RUNNING','CANCELLING'))
                                FROM deployments d WHERE d.id = @deploymentId
                                """, new { deploymentId }, scope.Transaction, cancellationToken: cancellationToken));
                            deploymentSlots[deploymentId] = slots;
                        }

                        if (slots.Limit is { } deploymentLimit && slots.InUse >= deploymentLimit)
                        {
                            // Let the rules answer (ENQUEUE: AwaitingConcurrencySlot; CANCEL_NEW: CANCELLED), but only
                            // once per run: a run already waiting for a slot just stays where it is.
                            var waiting = await scope.Connection.ExecuteScalarAsync<string>(new CommandDefinition(
                                "SELECT state_name FROM flow_runs WHERE id = @id", new { id = candidate.Id }, scope.Transaction, cancellationToken: cancellationToken));
                            if (waiting != StateNames.AwaitingConcurrencySlot)
                            {
                                var refused = await FlowRunStore.TryTransitionAsync(scope, candidate.Id, new StateProposal(StateType.Pending), now,
                                    cancellationToken, request.WorkerName, StateType.Scheduled);
                                wakes |= refused?.WakesClaims ?? false;
                            }

                            continue;
                        }
                    }

                    var outcome = await FlowRunStore.TryTransitionAsync(scope, candidate.Id, new StateProposal(StateType.Pending), now,
                        cancellationToken, request.WorkerName, StateType.Scheduled);
                    if (outcome is { Result.Status: SetStateStatus.Accept })
                    {
                        claimed.Add(candidate.Id);
                        take--;
                        want--;
                        if (candidate.DeploymentId is { } id && deploymentSlots.TryGetValue(id, out var held))
                        {
                            deploymentSlots[id] = (held.Limit, held.InUse + 1);
                        }
                    }
                }

                if (candidates.Count < Math.Max(take, CandidateBatch))
                {
                    break;
                }
            }
        }

        return new ClaimOutcome(pool.Id, claimed, wakes);
    }

    /// <summary>The earliest due time of a run this claim could have taken but for the prefetch window; null when none.</summary>
    public static Task<long?> NextDueAsync(System.Data.Common.DbConnection connection, Guid poolId, DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long?>(new CommandDefinition("""
            SELECT MIN(r.next_scheduled_start_time) FROM flow_runs r
            WHERE r.work_pool_id = @poolId AND r.state_type = 'SCHEDULED' AND r.state_name <> 'AwaitingRetry'
              AND r.next_scheduled_start_time > @cutoff
            """, new { poolId, cutoff = Ms(cutoff) }, cancellationToken: cancellationToken));
}
