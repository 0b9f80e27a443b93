using Bosun.Contracts.Schedules;
using Bosun.Contracts.States;
using Bosun.Server.Storage;
using Microsoft.Extensions.Options;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Orchestration.Scheduling;

/// <summary>
/// The scheduler (spec §8): keeps each active schedule of each non-paused deployment stocked with future runs (at least
/// 3 and 1 hour ahead, at most 100 and 100 days), keyed `scheduled deployment schedule time` so that a re-run never
/// duplicates; applies each deployment's catch-up policy to runs missed during downtime (Bosun).
/// </summary>
internal sealed class SchedulerService(
    BosunDatabase database, ClaimSignal claimSignal, SchedulerSignal schedulerSignal, TimeProvider timeProvider,
    IOptions<BosunServerOptions> options, ILogger<SchedulerService> logger, Leadership leadership)
    : PeriodicStoreService(timeProvider, options, logger, leadership)
{
    /// <summary>Most missed runs created at once for one schedule under catch-up policy ALL.</summary>
    public const int MaxCatchUpRuns = 1000;

    protected override Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        Task.WhenAny(Task.Delay(delay, TimeProvider, cancellationToken), schedulerSignal.NextAsync().WaitAsync(cancellationToken));

    public override async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = TimeProvider.GetUtcNow();
        var created = await database.WriteAsync(async scope =>
        {
            var count = 0;
            var active = await ScheduleStore.ActiveAsync(scope.Connection, scope.Transaction, cancellationToken);
            foreach (var (schedule, deployment) in active)
            {
                count += await StockAsync(scope, schedule, deployment, now, cancellationToken);
            }

            foreach (var deployment in active.Select(a => a.Deployment).DistinctBy(d => d.Id).Where(d => d.CatchUpPolicy != CatchUpPolicy.All))
            {
                await SkipOverdueAsync(scope, deployment, now, cancellationToken);
            }

            return count;
        }, cancellationToken);
        if (created > 0)
        {
            Log.ScheduledRuns(Logger, created);
            claimSignal.Notify();
        }

        return created;
    }

    private static async Task<int> StockAsync(WriteScope scope, ScheduleRow schedule, DeploymentRow deployment, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // A change of the deployment (upsert, pause, schedule edits) holds its row for update and then removes future
        // runs. Sharing the row here makes the two wait for each other (PostgreSQL; SQLite has one writer), and the
        // schedule is looked at again under the lock, so no run of a removed or paused schedule outlives the change.
        await DeploymentStore.ShareLockAsync(scope, deployment.Id, cancellationToken);
        if (!await ScheduleStore.IsActiveAsync(scope, schedule.Id, cancellationToken))
        {
            return 0;
        }

        var definition = schedule.Definition;
        var times = new List<DateTimeOffset>();
        if (schedule.LastScheduledTime is { } lastMs && Time(lastMs) < now)
        {
            // Times between the last run this schedule created and now were never created: Bosun was down.
            var missed = ScheduleCalculator.Between(definition, Time(lastMs), now, MaxCatchUpRuns);
            var keep = deployment.CatchUpPolicy switch
            {
                CatchUpPolicy.All => missed,
                CatchUpPolicy.Latest => missed.TakeLast(1).ToList(),
                _ => [],
            };
            times.AddRange(keep);
            if (missed.Count > keep.Count)
            {
                await DeploymentStore.RecordSkippedAsync(scope, deployment.Id, missed.Count - keep.Count, now, cancellationToken);
            }
        }

        times.AddRange(ScheduleCalculator.Window(definition, now));
        var created = 0;
        var parameters = Object(deployment.Parameters);
        foreach (var (key, value) in Object(schedule.Parameters))
        {
            parameters[key] = value?.DeepClone();
        }

        foreach (var time in times)
        {
            var key = $"scheduled {deployment.Id} {schedule.Id} {time.UtcDateTime:O}";
            if (await FlowRunStore.FindByIdempotencyKeyAsync(scope, deployment.FlowId, key, cancellationToken) is not null)
            {
                continue;
            }

            var run = FlowRunStore.NewScheduledRun(deployment, parameters, null, ["auto-scheduled"], time, now, idempotencyKey: key, scheduleId: schedule.Id);
            created += await FlowRunStore.InsertAsync(scope, run, cancellationToken) ? 1 : 0;
        }

        if (times.Count > 0)
        {
            await ScheduleStore.SetLastScheduledAsync(scope, schedule.Id, times.Max(), cancellationToken);
        }

        return created;
    }

    /// <summary>
    /// Runs a schedule created that are overdue by more than the grace period and still waiting (workers were down):
    /// SKIP cancels them all; LATEST cancels all but the most recent run that is due.
    /// </summary>
    private async Task SkipOverdueAsync(WriteScope scope, DeploymentRow deployment, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var due = await ScheduleStore.DueRunsAsync(scope, deployment.Id, now, cancellationToken);
        var candidates = deployment.CatchUpPolicy == CatchUpPolicy.Latest ? due.SkipLast(1) : due;
        var skip = candidates.Where(run => Time(run.Due) < now - Options.MissedRunGrace).Select(run => run.Id).ToList();
        var skipped = 0;
        foreach (var id in skip)
        {
            var outcome = await FlowRunStore.TryTransitionAsync(scope, id,
                new StateProposal(StateType.Cancelling, Message: $"skipped: missed while Bosun or its workers were down (catch-up policy {deployment.CatchUp})"),
                now, expectedType: StateType.Scheduled, cancellationToken: cancellationToken);
            skipped += outcome?.Result.State.Type == StateType.Cancelled ? 1 : 0;
        }

        if (skipped > 0)
        {
            await DeploymentStore.RecordSkippedAsync(scope, deployment.Id, skipped, now, cancellationToken);
        }
    }
}
