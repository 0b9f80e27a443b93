using System.Diagnostics;
using System.Text.Json.Nodes;
using Bosun.Contracts.Schedules;
using Bosun.Server.Orchestration.Tracing;
using Bosun.Server.Domain;
using Bosun.Server.Storage;
using Microsoft.Extensions.Options;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Orchestration.Scheduling;

/// <summary>
/// The scheduler (docs/behaviour.md §8): keeps each active schedule of each non-paused deployment stocked with future
/// runs (at least 3 and 1 hour ahead, at most 100 and 100 days), keyed `scheduled deployment schedule time` so that a
/// re-run never duplicates, at most <see cref="BosunServerOptions.MaxScheduledRunsPerSweep"/> runs per sweep; and keeps
/// each schedule's word after an outage with its deployment's catch-up policy (<see cref="CatchUp"/>).
/// </summary>
internal sealed class SchedulerService(
    BosunDatabase database, ClaimSignal claimSignal, SchedulerSignal schedulerSignal, TimeProvider timeProvider,
    IOptions<BosunServerOptions> options, ILogger<SchedulerService> logger, Leadership leadership, IHostApplicationLifetime lifetime)
    : PeriodicStoreService(timeProvider, options, logger, leadership, lifetime)
{
    /// <summary>Most slots since the last sweep one schedule walks through in a sweep; the next sweep goes on from there.</summary>
    private const int MaxSlotsPerSweep = 100_000;

    /// <summary>Most slots looked up and inserted in one statement each (a SQLite statement takes at most 32,766 parameters).</summary>
    private const int InsertChunk = 1000;

    /// <summary>The signal the loop's current wait ends on: complete as soon as it is raised, before the loop wakes.</summary>
    private Task? _signal;

    protected override bool WakeRequested => Volatile.Read(ref _signal) is { IsCompleted: true };

    protected override Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        var signal = schedulerSignal.NextAsync();
        Volatile.Write(ref _signal, signal);
        return Task.WhenAny(Task.Delay(delay, TimeProvider, cancellationToken), signal.WaitAsync(cancellationToken));
    }

    public override async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = TimeProvider.GetUtcNow();
        var pools = new HashSet<Guid?>();
        var (created, skipped) = await database.WriteAsync(async scope =>
        {
            pools.Clear();
            var budget = Options.MaxScheduledRunsPerSweep;
            var skippedNow = 0;
            foreach (var (scheduleId, deploymentId) in await ScheduleStore.ActiveIdsAsync(scope.Connection, scope.Transaction, cancellationToken))
            {
                var (made, skips, poolId) = await StockAsync(scope, scheduleId, deploymentId, now, budget, cancellationToken);
                if (made > 0)
                {
                    pools.Add(poolId);
                }

                budget -= made;
                skippedNow += skips;
            }

            return (Options.MaxScheduledRunsPerSweep - budget, skippedNow);
        }, cancellationToken);
        if (created > 0)
        {
            Log.ScheduledRuns(Logger, created);
            claimSignal.Notify(pools);
        }

        if (skipped > 0)
        {
            Log.SkippedScheduledRuns(Logger, skipped);
        }

        return created;
    }

    /// <summary>Catches one schedule up and stocks its window, making at most <paramref name="budget"/> runs; returns the runs made and the slots skipped.</summary>
    private async Task<(int Created, int Skipped, Guid? PoolId)> StockAsync(
        WriteScope scope, Guid scheduleId, Guid deploymentId, DateTimeOffset now, int budget, CancellationToken cancellationToken)
    {
        // A change of the deployment (upsert, update, pause, schedule edits) holds its row for update and then removes
        // future runs. Sharing the row here makes the two wait for each other (PostgreSQL; SQLite has one writer), and the
        // schedule and deployment are read again under the lock: no run of a removed or paused schedule outlives the
        // change, and no run is made from what the deployment was before it (its old queue, parameters or tags).
        await DeploymentStore.ShareLockAsync(scope, deploymentId, cancellationToken);
        if (await ScheduleStore.ActiveAsync(scope, scheduleId, cancellationToken) is not var (schedule, deployment))
        {
            return (0, 0, null);
        }

        var definition = schedule.Definition;
        var missedBefore = now - Options.MissedRunGrace;
        // Slots after the last one handled were never made: the server was down (or the budget ran out) when they came.
        var sinceLast = schedule.LastScheduledTime is { } lastMs
            ? ScheduleCalculator.Occurrences(definition, Time(lastMs)).TakeWhile(time => time <= now).Take(MaxSlotsPerSweep).ToList()
            : [];
        var waitingMissed = deployment.CatchUpPolicy == CatchUpPolicy.All ? [] :
            (await ScheduleStore.WaitingRunsDueBeforeAsync(scope, schedule.Id, missedBefore, cancellationToken)).Select(run => (run.Id, Due: Time(run.Due))).ToList();
        var latestStarted = deployment.CatchUpPolicy == CatchUpPolicy.Latest
            ? Time((await ScheduleStore.DueSpanAsync(scope, schedule.Id, now, cancellationToken)).LatestStarted)
            : null;
        var plan = CatchUp.Plan(deployment.CatchUpPolicy, sinceLast, waitingMissed, missedBefore, budget, latestStarted);

        var recorded = plan.SkipSlots.Select(time => (Time: time, RunId: (Guid?)null)).ToList();
        // The deployment is shared above, and a claim that holds a waiting run skips it under the same policy, which writes
        // the deployment's skip count: waiting here for a run a claim holds would deadlock with it. Such a run is left to
        // the claim, or to the next sweep.
        var toSkip = await FlowRunStore.LockFreeAsync(scope, [.. waitingMissed.Where(run => plan.SkipRuns.Contains(run.Id)).Select(run => run.Id)], cancellationToken);
        foreach (var (runId, due) in waitingMissed.Where(run => toSkip.Contains(run.Id)))
        {
            if (await ScheduleStore.SkipWaitingRunAsync(scope, runId, deployment.CatchUpPolicy, now, cancellationToken))
            {
                recorded.Add((due, runId));
            }
        }

        var skipped = plan.SkippedSlotCount + recorded.Count(skip => skip.RunId is not null);
        await ScheduleStore.RecordSkippedAsync(scope, deployment.Id, schedule.Id, deployment.CatchUp, skipped, recorded.OrderBy(skip => skip.Time).ToList(), now, cancellationToken);

        var times = plan.Create.ToList();
        var handledUntil = plan.HandledUntil;
        var caughtUp = sinceLast.Count < MaxSlotsPerSweep && (sinceLast.Count == 0 || handledUntil == sinceLast[^1]);
        if (caughtUp && times.Count < budget)
        {
            // Caught up: the window ahead.
            times.AddRange(ScheduleCalculator.Window(definition, now).Take(budget - times.Count));
        }

        var created = 0;
        var parameters = Object(deployment.Parameters);
        foreach (var (key, value) in Object(schedule.Parameters))
        {
            parameters[key] = value?.DeepClone();
        }

        // The slots' runs not made yet (a sweep that failed after its insert, or a replica's, may have made some), inserted
        // together: on PostgreSQL one look-up and one statement for a thousand slots, not two round trips per run.
        foreach (var slots in times.Chunk(InsertChunk))
        {
            created += await InsertRunsAsync(scope, schedule, deployment, parameters, slots, now, cancellationToken);
        }

        var last = times.Append(handledUntil ?? DateTimeOffset.MinValue).Max();
        if (last > DateTimeOffset.MinValue)
        {
            await ScheduleStore.SetLastScheduledAsync(scope, schedule.Id, last, cancellationToken);
        }

        return (created, skipped, deployment.WorkPoolId);
    }

    /// <summary>Makes the runs of <paramref name="slots"/> that no run stands for yet; returns how many it made.</summary>
    private static async Task<int> InsertRunsAsync(WriteScope scope, ScheduleRow schedule, DeploymentRow deployment, JsonObject parameters,
        DateTimeOffset[] slots, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var created = 0;
        var keys = slots.Select(time => $"scheduled {deployment.Id} {schedule.Id} {time.UtcDateTime:O}").ToList();
        var made = await FlowRunStore.IdempotencyKeysUsedAsync(scope, deployment.FlowId, keys, cancellationToken);
        var cause = Activity.Current;
        var runs = new List<FlowRunRow>();
        var roots = new List<ServerTracing.RootSpan>();
        try
        {
            for (var i = 0; i < slots.Length; i++)
            {
                if (made.Contains(keys[i]))
                {
                    continue;
                }

                var run = FlowRunStore.NewScheduledRun(deployment, parameters, null, ["auto-scheduled"], slots[i], now, idempotencyKey: keys[i], scheduleId: schedule.Id);
                // Each run is a trace of its own, rooted in a span that is exported (its claim, states, worker and flow hang below it).
                var root = ServerTracing.StartRunRoot("bosun.flow_run.create", cause);
                roots.Add(root);
                run.Traceparent = root.Traceparent;
                root.Span?.SetTag("bosun.flow_run.id", run.Id.ToString())
                    .SetTag("bosun.deployment.id", deployment.Id.ToString())
                    .SetTag("bosun.flow_run.created_by", "scheduler")
                    .SetTag("bosun.flow_run.scheduled_time", slots[i].ToString("O"));
                runs.Add(run);
            }

            var took = await FlowRunStore.InsertManyAsync(scope, runs, cancellationToken);
            for (var i = 0; i < runs.Count; i++)
            {
                if (took[i])
                {
                    created++;
                }
                else
                {
                    // Another sweep (a replica's) made this slot's run meanwhile: no run carries this span, so it is not exported.
                    roots[i].Discard();
                }
            }
        }
        finally
        {
            // Each root made the previous one current as it started: ended last first, the sweep's own span is current again.
            for (var i = roots.Count - 1; i >= 0; i--)
            {
                roots[i].Dispose();
            }
        }

        return created;
    }
}
