using Bosun.Contracts.Automations;
using Bosun.Contracts.States;
using Bosun.Server.Storage;
using Microsoft.Extensions.Options;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Orchestration.Automations;

/// <summary>
/// On the leader, every <see cref="BosunServerOptions.ServiceInterval"/>: finds the conditions that rules watch by
/// looking (runs waiting too long, pools without workers, workers gone offline, slots skipped by catch-up) and records
/// each as an event of the rules it matches. Keys name each condition's occurrence, so a second look (or a second leader
/// for a moment) records nothing twice.
/// </summary>
internal sealed class AutomationConditionService(
    BosunDatabase database, AutomationSignal signal, TimeProvider timeProvider, IOptions<BosunServerOptions> options, ILogger<AutomationConditionService> logger,
    Leadership leadership, IHostApplicationLifetime lifetime)
    : PeriodicStoreService(timeProvider, options, logger, leadership, lifetime)
{
    private static readonly AutomationTriggerKind[] SweptKinds =
        [AutomationTriggerKind.RunWaiting, AutomationTriggerKind.PoolNotReady, AutomationTriggerKind.WorkerOffline, AutomationTriggerKind.ScheduleSkipped];

    public override async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = TimeProvider.GetUtcNow();
        var found = await database.ReadAsync(async connection =>
        {
            var rules = (await AutomationStore.EnabledAsync(connection, null, SweptKinds, cancellationToken))
                .Select(row => (Row: row, Definition: AutomationStore.ReadDefinition(row.Definition))).ToList();
            if (rules.Count == 0)
            {
                return [];
            }

            var candidates = new List<AutomationEvent>();
            var byKind = rules.ToLookup(rule => rule.Definition.Trigger.Kind);
            if (byKind[AutomationTriggerKind.RunWaiting].Any())
            {
                var shortest = byKind[AutomationTriggerKind.RunWaiting].Min(rule => rule.Definition.Trigger.ForMinutes ?? 0);
                foreach (var run in await AutomationConditionStore.WaitingRunsAsync(connection, now - TimeSpan.FromMinutes(shortest), cancellationToken))
                {
                    var since = run.StateType == StateType.Pending.ToWireName() ? Time(run.StateTimestamp) : Time(run.NextScheduledStartTime ?? run.StateTimestamp);
                    candidates.Add(AutomationEvents.RunWaiting(run, since, reason: null, now));
                }
            }

            if (byKind[AutomationTriggerKind.PoolNotReady].Any())
            {
                candidates.AddRange((await AutomationConditionStore.PoolsWithoutWorkersAsync(connection, now, cancellationToken))
                    .Select(pool => AutomationEvents.PoolNotReady(pool.Id, pool.Name, Time(pool.Since), pool.Workers, now)));
            }

            if (byKind[AutomationTriggerKind.WorkerOffline].Any())
            {
                var after = Time(byKind[AutomationTriggerKind.WorkerOffline].Min(rule => rule.Row.Created));
                candidates.AddRange((await AutomationConditionStore.OfflineWorkersAsync(connection, after, now, cancellationToken))
                    .Select(worker => AutomationEvents.WorkerOffline(worker.Id, worker.Name, worker.Pool, Time(worker.LastHeartbeat), Time(worker.OfflineAt))));
            }

            if (byKind[AutomationTriggerKind.ScheduleSkipped].Any())
            {
                var after = Time(byKind[AutomationTriggerKind.ScheduleSkipped].Min(rule => rule.Row.Created));
                candidates.AddRange((await AutomationConditionStore.SkippedSlotsAsync(connection, after, cancellationToken)).Select(AutomationEvents.ScheduleSkipped));
            }

            var news = new List<(AutomationRow Row, AutomationCreate Definition, AutomationEvent Event)>();
            foreach (var (row, definition) in rules)
            {
                // A condition that began before the retention window may have fired already, its event since deleted: not news.
                var matching = candidates.Where(candidate => candidate.Since >= now - Options.AutomationRetention
                    && AutomationMatcher.Matches(definition.Trigger, candidate, Time(row.Created), now)).ToList();
                var recorded = await AutomationConditionStore.RecordedKeysAsync(connection, row.Id, matching.Select(candidate => candidate.Key).ToList(), cancellationToken);
                foreach (var candidate in matching.Where(candidate => !recorded.Contains(candidate.Key)))
                {
                    news.Add((row, definition, candidate.Kind == AutomationTriggerKind.RunWaiting ? await ExplainedAsync(connection, candidate, now, cancellationToken) : candidate));
                }
            }

            return news;
        }, cancellationToken);
        if (found.Count == 0)
        {
            return 0;
        }

        var fired = await database.WriteAsync(async scope =>
        {
            await AutomationStore.LockInIdOrderAsync(scope, found.Select(match => match.Row.Id), cancellationToken);
            var count = 0;
            foreach (var (row, definition, candidate) in found)
            {
                count += await AutomationFiring.RecordAsync(scope, row, definition, candidate, now, cancellationToken) ? 1 : 0;
            }

            return count;
        }, cancellationToken);
        if (fired > 0)
        {
            signal.Notify();
        }

        return fired;
    }

    /// <summary>The waiting run's event with the server's reason why it waits (read now, only for events that are news).</summary>
    private static async Task<AutomationEvent> ExplainedAsync(System.Data.Common.DbConnection connection, AutomationEvent candidate, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var run = await FlowRunStore.GetAsync(connection, candidate.RunId!.Value, cancellationToken: cancellationToken);
        return run is null ? candidate : AutomationEvents.RunWaiting(run, candidate.Since, await WaitingReasons.ExplainAsync(connection, run, now, cancellationToken), now);
    }
}
