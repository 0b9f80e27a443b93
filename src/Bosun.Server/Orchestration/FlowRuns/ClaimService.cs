using System.Collections.Concurrent;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Server.Domain;
using Bosun.Server.Orchestration.Metrics;
using Bosun.Server.Orchestration.Security;
using Bosun.Server.Orchestration.Tracing;
using Bosun.Server.Orchestration.Validation;
using Bosun.Server.Storage;
using Microsoft.Extensions.Options;

namespace Bosun.Server.Orchestration.FlowRuns;

/// <summary>
/// The claim with its optional long-poll (docs/behaviour.md §3, Bosun): when nothing is eligible the request waits for a
/// <see cref="ClaimSignal"/> or for the next run to come due, then claims again, so a new run starts in
/// milliseconds rather than at the next poll.
/// </summary>
internal sealed class ClaimService(
    BosunDatabase database, ClaimSignal claimSignal, RunSignals runSignals, FlowRunService flowRuns, TimeProvider timeProvider, IOptions<BosunServerOptions> options,
    ServerMetrics metrics, IHostApplicationLifetime lifetime)
{
    /// <summary>The pool label of served deployments' claims in the claim metrics.</summary>
    private const string ServedPool = "(served)";

    private static readonly TimeSpan RecordEvery = TimeSpan.FromSeconds(1);

    /// <summary>Pools by name, as the last claim of each saw them: their id, and whether they had a limit (see <see cref="ClaimStore.ClaimAsync"/>).</summary>
    private readonly ConcurrentDictionary<string, (Guid Id, bool Limited)> _pools = new(StringComparer.Ordinal);

    /// <summary>When this server last recorded a claimant's heartbeat and poll, by pool, worker, type, interval and queues.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _recorded = new(StringComparer.Ordinal);

    private void Remember(string poller, DateTimeOffset now)
    {
        _recorded[poller] = now;
        if (_recorded.Count > 10_000)
        {
            // Workers come and go under new names: forget the ones not heard from for a minute.
            foreach (var (key, at) in _recorded)
            {
                if (now - at > TimeSpan.FromMinutes(1))
                {
                    _recorded.TryRemove(key, out _);
                }
            }
        }
    }

    /// <summary>What the claim endpoints' descriptions say about their Idempotency-Key header.</summary>
    public const string KeyDescription =
        "A claim sent again with the same Idempotency-Key header (within an hour, by the same claimant) answers the runs the first one took that are still its own, and takes no other: a client that lost an answer may resend the claim.";

    public async Task<ClaimResponse> ClaimAsync(string poolName, ClaimRequest request, string? key, CancellationToken cancellationToken)
    {
        var problem = NameRules.Check(request.WorkerName, "Worker");
        if (problem is not null)
        {
            throw new ValidationException("worker_name", [problem]);
        }

        IdempotencyKeys.Check(key);

        if (request.MaxRuns is < 0 or > 1000)
        {
            throw new ValidationException("max_runs", ["must be between 0 and 1000"]);
        }

        var started = timeProvider.GetUtcNow();
        var (prefetch, wait) = Windows(request.PrefetchSeconds, request.WaitSeconds);
        var lookUp = key is not null;
        var poller = string.Join('\n', poolName, request.WorkerName, request.WorkerType, request.HeartbeatIntervalSeconds, string.Join(',', request.WorkQueueNames ?? []));
        var claimed = await LongPollAsync(poolName, wait, request.MaxRuns > 1,
            () => _pools.TryGetValue(poolName, out var known) ? known.Id : null,
            async now =>
            {
                // The worker's heartbeat and the queues' poll are recorded at most once a second: skip the statements
                // when this server recorded the same ones less than a second ago.
                var record = !_recorded.TryGetValue(poller, out var last) || now - last >= RecordEvery;
                var outcome = await database.WriteAsync(async scope =>
                {
                    var known = _pools.TryGetValue(poolName, out var seen) ? seen : ((Guid, bool)?)null;
                    if (await TakenBeforeAsync(scope, lookUp ? key : null, request.WorkerName, cancellationToken) is { } taken)
                    {
                        // The pool (and the worker's heartbeat) as a claim of nothing finds them, and the runs the first one took.
                        var pool = await ClaimStore.ClaimAsync(scope, database.Dialect, poolName, request with { MaxRuns = 0 }, now, timeProvider, prefetch,
                            options.Value.MissedRunGrace, known, record, cancellationToken);
                        return await ClaimKeyStore.ReplayAsync(scope, pool.Pool, taken, request.WorkerName, now, cancellationToken);
                    }

                    return await KeepAsync(scope, key, request.WorkerName, now, await ClaimStore.ClaimAsync(scope, database.Dialect, poolName, request, now, timeProvider,
                        prefetch, options.Value.MissedRunGrace, known, record, cancellationToken), cancellationToken);
                }, cancellationToken);
                lookUp = false;
                _pools[poolName] = (outcome.Pool!.Id, outcome.Pool.ConcurrencyLimit is not null);
                if (record)
                {
                    Remember(poller, now);
                }

                return outcome;
            },
            prefetch,
            (outcome, cutoff) => database.ReadAsync(connection => ClaimStore.NextDueAsync(connection, outcome.Pool!.Id, null, cutoff, cancellationToken), cancellationToken),
            cancellationToken);
        var runs = ClaimedRuns(claimed);
        foreach (var run in runs)
        {
            ServerTracing.Record("bosun.flow_run.claim", run.FlowRun.Traceparent, started, run.FlowRun.Id,
                ("bosun.work_pool.name", poolName), ("bosun.worker.name", request.WorkerName));
        }

        return new ClaimResponse(claimed.Pool!.ToContract(), runs);
    }

    /// <summary>
    /// A serving process's claim. The final states it carries (<see cref="ServedClaimRequest.States"/>) are decided in the
    /// claim's first write, before it looks for runs, so that a slot they free can be taken by the same claim; a claim that
    /// is refused decides none of them.
    /// </summary>
    public async Task<ServedClaimResponse> ClaimServedAsync(ServedClaimRequest request, string? key, BosunCaller caller, CancellationToken cancellationToken)
    {
        var problem = NameRules.Check(request.ProcessName, "Serving process");
        if (problem is not null)
        {
            throw new ValidationException("process_name", [problem]);
        }

        if (request.DeploymentIds is not { Count: > 0 and <= 1000 })
        {
            throw new ValidationException("deployment_ids", ["name 1 to 1000 served deployments"]);
        }

        if (request.MaxRuns is < 0 or > 1000)
        {
            throw new ValidationException("max_runs", ["must be between 0 and 1000"]);
        }

        if (request.InProcessInfrastructureId is { } infrastructureId && (string.IsNullOrWhiteSpace(infrastructureId) || infrastructureId.Length > 500))
        {
            throw new ValidationException("in_process_infrastructure_id", ["must be 1 to 500 characters"]);
        }

        IdempotencyKeys.Check(key);
        var started = timeProvider.GetUtcNow();
        var (prefetch, wait) = Windows(request.PrefetchSeconds, request.WaitSeconds);
        var states = request.States is null ? null : await flowRuns.CheckStatesAsync(request.States, "states", caller, cancellationToken);
        IReadOnlyList<FlowRunSetStateResult>? stateResults = null;
        var lookUp = key is not null;
        ClaimOutcome claimed;
        try
        {
            claimed = await LongPollAsync(ServedPool, wait, request.MaxRuns > 1,
                () => ClaimSignal.Served,
                async now =>
                {
                    var outcome = await database.WriteAsync(async scope =>
                    {
                        if (states is not null && stateResults is null)
                        {
                            await states.DecideAsync(scope, now, cancellationToken);
                        }

                        if (await TakenBeforeAsync(scope, lookUp ? key : null, request.ProcessName, cancellationToken) is { } taken)
                        {
                            return await ClaimKeyStore.ReplayAsync(scope, null, taken, request.ProcessName, now, cancellationToken);
                        }

                        return await KeepAsync(scope, key, request.ProcessName, now,
                            await ClaimStore.ClaimServedAsync(scope, database.Dialect, request, now, timeProvider, prefetch, options.Value.MissedRunGrace, cancellationToken),
                            cancellationToken);
                    }, cancellationToken);
                    lookUp = false;
                    // Announced and answered once committed, before the claim waits for runs.
                    if (states is not null)
                    {
                        stateResults ??= await states.AnnounceAsync(now, cancellationToken);
                    }

                    return outcome;
                },
                prefetch,
                (_, cutoff) => database.ReadAsync(connection => ClaimStore.NextDueAsync(connection, null, request.DeploymentIds, cutoff, cancellationToken), cancellationToken),
                cancellationToken);
        }
        catch (ServerStoppingException) when (stateResults is not null)
        {
            // The states it carried are decided: answered (with no runs) rather than hidden behind a 503.
            return new ServedClaimResponse([]) { StateResults = stateResults };
        }

        foreach (var run in claimed.Claimed.Where(run => run.State.Type == StateType.Running && !claimed.Replayed))
        {
            // Started by the claim: what the executor's own RUNNING proposal would have recorded and signalled.
            ServerTracing.RecordStateChange(run.Traceparent, started, run.Id, StateType.Running, SetStateStatus.Accept, run.State);
            runSignals.Notify(run.Id, RunChange.State);
        }

        return new ServedClaimResponse(ClaimedRuns(claimed)) { StateResults = stateResults };
    }

    /// <summary>
    /// The runs an earlier claim with <paramref name="key"/> took for <paramref name="claimant"/> (its answer was lost, and
    /// this is the claim sent again); null without a key or for a key not seen. Looked up by a request's first claim only:
    /// a claim that waits claims again, and records under the key what it takes then.
    /// </summary>
    private static Task<List<Guid>?> TakenBeforeAsync(WriteScope scope, string? key, string claimant, CancellationToken cancellationToken) =>
        key is null ? Task.FromResult<List<Guid>?>(null) : ClaimKeyStore.FindAsync(scope, key, claimant, cancellationToken);

    /// <summary>Records under <paramref name="key"/> the runs <paramref name="outcome"/> took, in its transaction, so that a resent claim gets them.</summary>
    private static async Task<ClaimOutcome> KeepAsync(WriteScope scope, string? key, string claimant, DateTimeOffset now, ClaimOutcome outcome, CancellationToken cancellationToken)
    {
        if (key is not null && outcome.Claimed.Count > 0)
        {
            await ClaimKeyStore.RecordAsync(scope, key, claimant, outcome.Claimed, now, cancellationToken);
        }

        return outcome;
    }

    private (TimeSpan Prefetch, TimeSpan Wait) Windows(double? prefetchSeconds, double? waitSeconds)
    {
        if (prefetchSeconds is < 0 or > 86_400 || waitSeconds is < 0)
        {
            throw new ValidationException("prefetch_seconds", ["prefetch_seconds must be 0 to 86400 and wait_seconds 0 or more"]);
        }

        var settings = options.Value;
        return (prefetchSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : settings.DefaultPrefetch,
            TimeSpan.FromSeconds(Math.Min(waitSeconds ?? 0, settings.MaxClaimWait.TotalSeconds)));
    }

    /// <summary>
    /// Claims; when nothing was claimed and the caller may wait, sleeps until a <see cref="ClaimSignal"/> for its pool
    /// (<paramref name="pool"/>: its id, null while this server has not claimed from it yet), the next run coming due, or
    /// the deadline, and claims again. Woken by a new run, a claim that may take <paramref name="several"/> runs first waits
    /// <see cref="BosunServerOptions.ClaimGather"/> for more.
    /// </summary>
    private async Task<ClaimOutcome> LongPollAsync(
        string poolName, TimeSpan wait, bool several, Func<Guid?> pool, Func<DateTimeOffset, Task<ClaimOutcome>> claim, TimeSpan prefetch,
        Func<ClaimOutcome, DateTimeOffset, Task<long?>> nextDue, CancellationToken cancellationToken)
    {
        var deadline = timeProvider.GetUtcNow() + wait;
        var tag = new KeyValuePair<string, object?>("pool", poolName);
        DateTimeOffset? wokenAt = null;
        while (true)
        {
            // Take the signal before claiming: a run created while we claim then still wakes us.
            var signalled = pool() is { } poolId ? claimSignal.NextAsync(poolId) : null;
            var now = timeProvider.GetUtcNow();
            var outcome = await claim(now);
            if (cancellationToken.IsCancellationRequested && outcome is { Replayed: false, Claimed.Count: > 0 })
            {
                // The claimant gave up on this claim (its request was aborted) while the claim's write was committed: no
                // answer will reach it, so what it took goes back to its queue now, not after the sweep's worker timeout.
                await HandBackAsync(outcome.Claimed);
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (outcome.Replayed)
            {
                // A claim sent again: its answer is what the first one took, even if none of it is left.
                return outcome;
            }

            var answered = timeProvider.GetUtcNow();
            metrics.ClaimDuration.Record((answered - now).TotalSeconds, tag);
            if (outcome.WakesClaims)
            {
                // Rare (a claim that put a run back to SCHEDULED): everyone looks, as a deployment limit may be involved.
                claimSignal.NotifyAll();
            }

            var remaining = deadline - answered;
            if (outcome.Claimed.Count > 0)
            {
                foreach (var run in outcome.Claimed)
                {
                    // A prefetched run is claimed before its time: no delay.
                    metrics.ClaimDelay.Record(Math.Max(0, (now - StoredValues.Time(run.DueMs)).TotalSeconds), tag);
                }

                if (wokenAt is { } woken)
                {
                    metrics.ClaimWake.Record((answered - woken).TotalSeconds, tag);
                }

                return outcome;
            }

            if (remaining <= TimeSpan.Zero)
            {
                return outcome;
            }

            lifetime.ApplicationStopping.ThrowIfStopping();

            if (signalled is null)
            {
                // The first claim of a pool this server had not seen: its id is known now, so take its signal and look again.
                continue;
            }

            if (await nextDue(outcome, now + prefetch) is { } dueMs)
            {
                var untilDue = StoredValues.Time(dueMs) - prefetch - timeProvider.GetUtcNow();
                remaining = untilDue < remaining ? untilDue : remaining;
            }

            // A stopping server answers its waiting claims at once (503) rather than holding its shutdown until they time
            // out: the claimant retries, and rides out the restart as it would any outage.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
            var delay = Task.Delay(remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1), timeProvider, timeout.Token);
            wokenAt = await Task.WhenAny(signalled, delay) == signalled ? timeProvider.GetUtcNow() : null;
            await timeout.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
            lifetime.ApplicationStopping.ThrowIfStopping();
            if (wokenAt is not null && several && options.Value.ClaimGather > TimeSpan.Zero)
            {
                // Runs come in bursts (a producer creating many, a sweep of schedules): a moment's wait lets one claim,
                // one write, take those created meanwhile. Wall-clock time, not the server's clock: it is a batching
                // window, not a time any rule reads.
                await Task.Delay(options.Value.ClaimGather, cancellationToken);
            }
        }
    }

    /// <summary>What a run taken for a claimant that was gone before the claim could answer says, SCHEDULED again.</summary>
    internal const string AbandonedClaimMessage = "handed back: its claimant was gone before the claim was answered";

    /// <summary>
    /// The runs a claim took for a claimant that was gone before it could be answered, back to their queue: SCHEDULED at
    /// their time, each with a line in its log, as the claimant's own held-runs check would hand them back (docs/runtime.md,
    /// Outages). Not cancellable: the request's token already is.
    /// </summary>
    private async Task HandBackAsync(IReadOnlyList<FlowRunRow> claimed)
    {
        var now = timeProvider.GetUtcNow();
        var moved = await database.WriteAsync(async scope =>
        {
            var moved = new List<Guid>();
            await FlowRunStore.LockInIdOrderAsync(scope, claimed.Select(run => run.Id), CancellationToken.None);
            foreach (var run in claimed)
            {
                var proposal = new StateProposal(StateType.Scheduled, Message: AbandonedClaimMessage,
                    ScheduledTime: StoredValues.Time(run.DueMs));
                if (await ServerMoves.MoveAsync(scope, run.Id, proposal, StoredValues.State(run.StateType), now,
                    _ => (RunLogLevel.Warning,
                        $"{(run.WorkerName is { } claimant ? $"'{claimant}'" : "Its claimant")} claimed this run but was gone before the claim could be answered (its request was aborted); nothing was started for it, so it goes back to its queue."),
                    CancellationToken.None) is not null)
                {
                    moved.Add(run.Id);
                }
            }

            return moved;
        }, CancellationToken.None);
        ServerMoves.Notify(runSignals, moved);
        if (moved.Count > 0)
        {
            claimSignal.NotifyAll();
        }
    }

    /// <summary>The claimed runs as the claim wrote them, each with its deployment.</summary>
    private static List<ClaimedFlowRun> ClaimedRuns(ClaimOutcome outcome)
    {
        var deployments = outcome.Deployments.ToDictionary(deployment => deployment.Id);
        return outcome.Claimed
            .Where(run => run.DeploymentId is { } id && deployments.ContainsKey(id))
            .Select(run => new ClaimedFlowRun(run.ToContract(null), deployments[run.DeploymentId!.Value]))
            .ToList();
    }
}
