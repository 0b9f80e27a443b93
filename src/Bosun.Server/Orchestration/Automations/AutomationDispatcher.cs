using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Bosun.Contracts;
using Bosun.Contracts.Automations;
using Bosun.Server.Storage;
using Microsoft.Extensions.Options;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Orchestration.Automations;

/// <summary>
/// Turns run state changes from the outbox into firings, and carries out due deliveries, on every replica: rows are
/// taken under SKIP LOCKED (PostgreSQL) or by the one writer (SQLite), and a firing's unique key keeps a rule to one
/// firing per event. Deliveries run outside the loop, at most <see cref="BosunServerOptions.AutomationMaxConcurrentDeliveries"/>
/// at once, each under its own timeout, so a receiver that hangs holds one slot and never the loop or the server.
/// Wakes when a run is created or changes state on this replica, when another replica says so (PostgreSQL NOTIFY, through
/// <see cref="ReplicaNotifications"/>: its runs' changes and its firings), when a sweep fires a rule, and at least every
/// <see cref="BosunServerOptions.AutomationPollInterval"/>. A replica started with
/// <see cref="BosunServerOptions.NoAutomationDispatch"/> runs none of it.
/// </summary>
internal sealed class AutomationDispatcher(
    BosunDatabase database, AutomationSignal signal, RunSignals runSignals, ClaimSignal claimSignal, AutomationActions actions, TimeProvider timeProvider,
    IOptions<BosunServerOptions> options, ILogger<AutomationDispatcher> logger, IMeterFactory meterFactory) : BackgroundService
{
    private const int OutboxBatch = 200;
    private static readonly AutomationTriggerKind[] OutboxKinds = [AutomationTriggerKind.RunState, AutomationTriggerKind.RunCreated];
    private static readonly TimeSpan LongestRetryDelay = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A pass woken by a change starts at once, but no sooner than this after the previous pass began: under load every run
    /// wakes the loop several times, and each pass reads the outbox and the deliveries, so a busy server looked hundreds of
    /// times a second for work that one look in this window finds together. Real time, not the server's clock.
    /// </summary>
    private static readonly TimeSpan LeastGapBetweenPasses = TimeSpan.FromMilliseconds(20);

    /// <summary>A lease outlives the attempt's timeout by this much: the time to record its outcome.</summary>
    private static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(30);

    private readonly BosunServerOptions _options = options.Value;
    private readonly SemaphoreSlim _slots = new(options.Value.AutomationMaxConcurrentDeliveries);
    private readonly Counter<long> _deliveries = meterFactory.Create("Bosun.Server").CreateCounter<long>(
        "bosun.automation.deliveries", description: "Attempts to carry out an automation's action, by action kind and outcome (delivered, retry, failed).");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        void OnRunChanged(Guid runId, RunChange change)
        {
            if (change.HasFlag(RunChange.State))
            {
                signal.NotifyLocal();
            }
        }

        // A run created on this replica wakes its pool's claims: the same moment may have written a creation to the outbox.
        void OnRunCreated(Guid? pool) => signal.NotifyLocal();

        if (_options.NoAutomationDispatch)
        {
            return;
        }

        runSignals.Notified += OnRunChanged;
        claimSignal.Notified += OnRunCreated;
        var inFlight = new List<Task>();
        var failures = 0;
        var passStarted = 0L;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (Stopwatch.GetElapsedTime(passStarted) is var sinceLast && sinceLast < LeastGapBetweenPasses)
                {
                    await Task.Delay(LeastGapBetweenPasses - sinceLast, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }

                passStarted = Stopwatch.GetTimestamp();
                var wake = signal.NextAsync();
                var delay = _options.AutomationPollInterval;
                try
                {
                    while (await MatchOutboxAsync(stoppingToken) == OutboxBatch)
                    {
                        // A full batch: more are waiting.
                    }

                    inFlight.RemoveAll(task => task.IsCompleted);
                    inFlight.AddRange(await StartDueAsync(stoppingToken));
                    failures = 0;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    failures++;
                    delay = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, Math.Min(failures, 6))));
                    Log.BackgroundServiceFailed(logger, nameof(AutomationDispatcher), delay, ex);
                }

                using var waitCancel = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                await Task.WhenAny(wake, Task.Delay(delay, timeProvider, waitCancel.Token));
                await waitCancel.CancelAsync();
            }
        }
        finally
        {
            runSignals.Notified -= OnRunChanged;
            claimSignal.Notified -= OnRunCreated;
            // In-flight attempts stop with the host; their leases run out and another replica (or this one, restarted) tries again.
            await Task.WhenAll(inFlight);
        }
    }

    /// <summary>
    /// Matches one batch of the outbox (state changes and run creations) against the enabled run-state and run-created
    /// rules; returns how many rows it took. A firing is told to the other replicas, so that they share its deliveries. An
    /// empty outbox (no rule watches runs) is seen on a reader connection: the write transaction is taken only for rows.
    /// </summary>
    public async Task<int> MatchOutboxAsync(CancellationToken cancellationToken)
    {
        if (!await database.ReadAsync(connection => AutomationStore.OutboxHasRowsAsync(connection, cancellationToken), cancellationToken))
        {
            return 0;
        }

        var (taken, fired) = await database.WriteAsync(async scope =>
        {
            var rows = await AutomationStore.TakeOutboxAsync(scope, OutboxBatch, cancellationToken);
            if (rows.Count == 0)
            {
                return (0, 0);
            }

            var rules = (await AutomationStore.EnabledAsync(scope.Connection, scope.Transaction, OutboxKinds, cancellationToken))
                .Select(row => (Row: row, Definition: AutomationStore.ReadDefinition(row.Definition))).ToList();
            var now = timeProvider.GetUtcNow();
            // A run deleted since its change left an outbox row with no state behind: nothing to match.
            var matches = rows.Where(row => row.Type is not null).Select(row => row.IsCreation ? AutomationEvents.RunCreated(row) : AutomationEvents.RunState(row))
                .SelectMany(candidate => rules.Where(rule => AutomationMatcher.Matches(rule.Definition.Trigger, candidate, Time(rule.Row.Created), now))
                    .Select(rule => (rule.Row, rule.Definition, Candidate: candidate)))
                .ToList();
            await AutomationStore.LockInIdOrderAsync(scope, matches.Select(match => match.Row.Id), cancellationToken);
            var firings = 0;
            foreach (var (row, definition, candidate) in matches)
            {
                if (await AutomationFiring.RecordAsync(scope, row, definition, candidate, now, cancellationToken))
                {
                    firings++;
                }
            }

            await AutomationStore.RemoveFromOutboxAsync(scope, rows.Select(row => row.StateId), cancellationToken);
            return (rows.Count, firings);
        }, cancellationToken);
        if (fired > 0)
        {
            signal.Notify();
        }

        return taken;
    }

    /// <summary>
    /// Leases as many due deliveries as there are free slots and starts an attempt of each. Whether any is due is read first
    /// on a reader connection, so that a wake-up with nothing to deliver does not take the single writer.
    /// </summary>
    internal async Task<IReadOnlyList<Task>> StartDueAsync(CancellationToken cancellationToken)
    {
        var free = _slots.CurrentCount;
        if (free == 0)
        {
            return [];
        }

        var now = timeProvider.GetUtcNow();
        if (!await database.ReadAsync(connection => AutomationStore.AnyDueAsync(connection, now, cancellationToken), cancellationToken))
        {
            return [];
        }

        var leased = await database.WriteAsync(
            scope => AutomationStore.LeaseDueAsync(scope, now, now + _options.AutomationWebhookTimeout + LeaseMargin, free, cancellationToken), cancellationToken);
        var started = new List<Task>(leased.Count);
        foreach (var delivery in leased)
        {
            await _slots.WaitAsync(cancellationToken);
            started.Add(Task.Run(() => AttemptAsync(delivery, cancellationToken), CancellationToken.None));
        }

        return started;
    }

    private async Task AttemptAsync(DeliveryRow delivery, CancellationToken cancellationToken)
    {
        try
        {
            var definition = AutomationStore.ReadDefinition(delivery.Definition!);
            var payload = JsonNode.Parse(delivery.Payload!) as JsonObject ?? [];
            var started = timeProvider.GetUtcNow();
            var clock = timeProvider.GetTimestamp();
            var outcome = delivery.ActionIndex < definition.Actions.Count
                ? await actions.ExecuteAsync(delivery.Id, definition.Actions[delivery.ActionIndex], payload, cancellationToken)
                : DeliveryOutcome.Refused("the automation no longer has this action");
            var now = timeProvider.GetUtcNow();
            var givenUp = !outcome.Delivered && (outcome.Permanent || delivery.Attempts >= _options.AutomationMaxAttempts);
            var status = outcome.Delivered ? AutomationStore.DeliveredStatus : givenUp ? AutomationStore.FailedStatus : AutomationStore.PendingStatus;
            var attempt = new AttemptRow
            {
                DeliveryId = delivery.Id,
                Attempt = delivery.Attempts,
                Started = Ms(started),
                DurationMs = (long)timeProvider.GetElapsedTime(clock).TotalMilliseconds,
                StatusCode = outcome.StatusCode,
                Error = outcome.Error,
            };
            await database.WriteAsync(async scope =>
            {
                await AutomationStore.RecordAttemptAsync(scope, delivery.Id, attempt, status, now + RetryDelay(delivery.Attempts), now, cancellationToken);
                return 0;
            }, cancellationToken);
            _deliveries.Add(1, new KeyValuePair<string, object?>("action", delivery.ActionKind),
                new KeyValuePair<string, object?>("outcome", outcome.Delivered ? "delivered" : givenUp ? "failed" : "retry"));
            if (givenUp)
            {
                Log.AutomationDeliveryGivenUp(logger, definition.Name, delivery.ActionIndex, delivery.ActionKind, delivery.EventKey, delivery.Attempts, outcome.Error);
            }
            else if (!outcome.Delivered)
            {
                Log.AutomationAttemptFailed(logger, definition.Name, delivery.ActionIndex, delivery.ActionKind, delivery.Attempts, outcome.Error);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host stops: the lease runs out and the delivery is tried again.
        }
        catch (Exception ex)
        {
            Log.AutomationAttemptError(logger, delivery.Id, ex);
        }
        finally
        {
            _slots.Release();
            signal.NotifyLocal();
        }
    }

    /// <summary>After attempt n: the first retry delay doubled n-1 times, at most five minutes.</summary>
    private TimeSpan RetryDelay(int attempts) =>
        TimeSpan.FromTicks((long)Math.Min(LongestRetryDelay.Ticks, _options.AutomationRetryDelay.Ticks * Math.Pow(2, Math.Max(0, attempts - 1))));

    public override void Dispose()
    {
        _slots.Dispose();
        base.Dispose();
    }
}
