using System.Collections.Concurrent;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Worker.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Bosun.Worker.Runtime;

/// <summary>
/// The one worker runtime, shared by <c>bosun worker start</c> and <c>ServeAsync</c>: claims runs from a
/// <see cref="ClaimSource"/> within its capacity, starts each on one <see cref="FlowRunInfrastructure"/>, stops what
/// the server cancels, heartbeats, ships logs, rides out server outages, and drains on shutdown (docs/runtime.md).
/// </summary>
public sealed class WorkerRuntime : IDisposable
{
    private readonly ClaimSource _source;
    private readonly FlowRunInfrastructure _infrastructure;
    private readonly BosunClient _client;
    private readonly LogShipper _logs;
    private readonly WorkerOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Guid, (FlowRunExecution Execution, Task Task)> _running = new();
    private readonly SemaphoreSlim _slotFreed = new(0);

    /// <summary>Why the drain stops what is left.</summary>
    internal const string ShutDownReason = "the worker shut down";

    /// <summary>Guards <see cref="_carriedReserved"/>, <see cref="_claimInFlight"/>, <see cref="_ahead"/>, <see cref="_waitingForSlot"/>, <see cref="_ending"/> and the changes of <see cref="_running"/>.</summary>
    private readonly Lock _capacity = new();

    /// <summary>
    /// Runs in <see cref="_running"/> claimed ahead of their time that hold no slot yet: they wait until their
    /// infrastructure's start lead before their time, then take a slot, in turn in <see cref="_waitingForSlot"/> when none
    /// is free (<see cref="FlowRunExecution.WaitForItsTimeAsync"/>).
    /// </summary>
    private int _ahead;
    private readonly List<AheadRun> _waitingForSlot = [];

    /// <summary>Slots that claims carrying final states (<see cref="TryCarryFinalStatesAsync"/>) may fill while they are on their way.</summary>
    private int _carriedReserved;

    /// <summary>A claim of the claim loop is on its way (until the runs it brought are started).</summary>
    private bool _claimInFlight;

    /// <summary>Ends when the claims carrying final states that are on their way have started what they brought.</summary>
    private Task _carried = Task.CompletedTask;

    /// <summary>When a claim last brought a run to start (a monotonic timestamp; guarded by <see cref="_capacity"/>).</summary>
    private long _lastBroughtAt;

    /// <summary>Completed when a claim carrying final states sets out while the claim loop waits for one (guarded by <see cref="_capacity"/>).</summary>
    private TaskCompletionSource? _carrySetOut;

    /// <summary>Runs of <see cref="_running"/> whose final states were handed over, with a claim or alone (guarded by <see cref="_capacity"/>).</summary>
    private readonly HashSet<Guid> _ending = [];

    /// <summary>
    /// How long after a claim brought runs the claim loop of a serving process that runs them in-process waits before its
    /// next long-poll, for their final states to go with a claim (<see cref="WaitForCarryingClaimAsync"/>): serve's final
    /// states wait 2 ms for each other, and a trivial run ends within a millisecond.
    /// </summary>
    internal static readonly TimeSpan CarryWindow = TimeSpan.FromMilliseconds(20);

    /// <summary>Claims sent so far (by the claim loop or carrying final states), and those on their way (guarded by itself).</summary>
    private long _claimsSent;
    private readonly SortedSet<long> _claimsOnTheirWay = [];

    /// <summary>The ids of the last <see cref="StartedLatelyCount"/> runs started, oldest first (guarded by itself).</summary>
    private readonly Queue<Guid> _startedOrder = new();
    private readonly HashSet<Guid> _startedLately = [];
    private const int StartedLatelyCount = 10_000;

    /// <summary>One check for runs whose claim's answer was lost at a time; what the last check found, and the claims sent by then.</summary>
    private readonly SemaphoreSlim _heldCheck = new(1, 1);
    private HashSet<Guid> _unknownAtLastCheck = [];
    private long _claimsSentAtLastCheck;

    private CancellationToken _stopClaiming = new(canceled: true);
    private readonly CancellationTokenSource _reportsStop;

    /// <summary>
    /// Fired as the drain begins: runs claimed ahead that have not started go back to their queue. Not when claiming
    /// stops: a long-poll of this worker's that the server has not yet seen end could take a run handed back that early.
    /// </summary>
    private readonly CancellationTokenSource _withdraw = new();

    // A launcher the runtime made itself (ForWorkPool) is the runtime's to dispose (a Kubernetes launcher holds its clusters' clients).
    private bool _ownsInfrastructure;

    /// <param name="source">Where runs come from.</param>
    /// <param name="infrastructure">What each run is started on.</param>
    /// <param name="client">The API client; give it an outage window (<see cref="WorkerOptions.OutageRetryWindow"/>).</param>
    /// <param name="logs">Ships the runs' logs; the runtime starts it and stops it after the drain.</param>
    /// <param name="options">Capacity and timings.</param>
    /// <param name="timeProvider">The clock of every wait.</param>
    /// <param name="logger">Where the runtime says what it does.</param>
    public WorkerRuntime(ClaimSource source, FlowRunInfrastructure infrastructure, BosunClient client, LogShipper logs, WorkerOptions options,
        TimeProvider timeProvider, ILogger logger)
    {
        _source = source;
        _infrastructure = infrastructure;
        _client = client;
        _logs = logs;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _reportsStop = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
    }

    /// <summary>A runtime polling <paramref name="pool"/> with the infrastructure of its type (process, docker, kubernetes).</summary>
    public static WorkerRuntime ForWorkPool(BosunClient client, Contracts.WorkPools.WorkPool pool, WorkerOptions options, LogShipper logs,
        TimeProvider timeProvider, ILogger logger, Action<DateTimeOffset>? polled = null, WorkerMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var runtime = new WorkerRuntime(new WorkPoolClaimSource(client, pool, options), Infrastructures.For(pool.Type), client, logs, options, timeProvider, logger)
        {
            Polled = polled,
            Metrics = metrics ?? new WorkerMetrics(),
            _ownsInfrastructure = true,
        };
        runtime.Metrics.RunsInFlight = () => runtime.RunningCount;
        return runtime;
    }

    /// <summary>
    /// <c>bosun worker start</c> without a generic host: the runtime for <paramref name="pool"/>, its log shipper and, when
    /// asked, the health check, until <paramref name="stopClaiming"/> and the drain are over.
    /// </summary>
    public static async Task RunWorkPoolAsync(BosunClient client, Contracts.WorkPools.WorkPool pool, WorkerOptions options, ILoggerFactory loggerFactory,
        CancellationToken stopClaiming, CancellationToken stopRuns)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        using var tracing = WorkerTracing.StartExport();
        var time = TimeProvider.System;
        var health = new WorkerHealth();
        var logs = new LogShipper(client, time, loggerFactory.CreateLogger<LogShipper>());
        await using var shipper = logs.ConfigureAwait(false);
        using var runtime = ForWorkPool(client, pool, options, logs, time, loggerFactory.CreateLogger("Bosun.Worker"), health.RecordPoll, health.Metrics);
        using var healthCheck = options.WithHealthCheck
            ? new HealthCheckServer(health, Microsoft.Extensions.Options.Options.Create(options), time, loggerFactory.CreateLogger<HealthCheckServer>())
            : null;
        if (healthCheck is not null)
        {
            await healthCheck.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await runtime.RunAsync(stopClaiming, stopRuns).ConfigureAwait(false);
        if (healthCheck is not null)
        {
            await healthCheck.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Runs this runtime holds now: claimed and not ended, runs claimed ahead of their time included.</summary>
    public int RunningCount => _running.Count;

    /// <summary>Where the runtime counts its claims, heartbeat failures and infrastructure start times.</summary>
    public WorkerMetrics Metrics { get; init; } = new();

    /// <summary>Called after each successful claim request (the health check's clock).</summary>
    public Action<DateTimeOffset>? Polled { get; init; }

    /// <summary>
    /// Claims and runs until <paramref name="stopClaiming"/> fires (or, with <see cref="WorkerOptions.RunOnce"/>, after
    /// one claim), then drains: waits up to <see cref="WorkerOptions.DrainGracePeriod"/> for the running runs, or until
    /// <paramref name="stopRuns"/> fires, and stops what is left (CRASHED, "the worker shut down").
    /// </summary>
    public async Task RunAsync(CancellationToken stopClaiming, CancellationToken stopRuns)
    {
        using var scope = _logger.BeginScope(new Dictionary<string, object> { ["Worker"] = _options.EffectiveName, ["Source"] = _source.Description });
        _logs.Start();
        // Heartbeats and cancellation checks go on through the drain; they stop when the runs are done.
        using var loops = new CancellationTokenSource();
        var heartbeat = HeartbeatLoopAsync(loops.Token);
        var cancellations = CancellationLoopAsync(loops.Token);
        // Infrastructure that outlives its worker (Jobs): while claiming, the pool's is found again, adopted and cleaned up.
        using var claiming = CancellationTokenSource.CreateLinkedTokenSource(stopClaiming);
        var reconciliation = _infrastructure is IAdoptableInfrastructure adoptable && _source.Pool is { } pool
            ? new InfrastructureReconciler(adoptable, _client, pool, _options, _running.ContainsKey, Start, _timeProvider, _logger).RunAsync(claiming.Token)
            : Task.CompletedTask;
        try
        {
            await ClaimLoopAsync(stopClaiming).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopClaiming.IsCancellationRequested)
        {
            // Shutting down: no new claims.
        }

        await claiming.CancelAsync().ConfigureAwait(false);
        await reconciliation.ConfigureAwait(false);

        // A claim carrying final states that was on its way when claiming stopped: the runs it brings are drained too.
        Task carried;
        lock (_capacity)
        {
            carried = _carried;
        }

        await carried.WaitAsync(_options.DrainGracePeriod, _timeProvider, stopRuns).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (carried.IsCompleted)
        {
            // A claim stopped on its way may have been taken by the server: what it took goes back to its queue.
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stopRuns);
            bounded.CancelAfter(TimeSpan.FromSeconds(10));
            await HandBackLostRunsAsync(final: true, bounded.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await _withdraw.CancelAsync().ConfigureAwait(false);
        await DrainAsync(stopRuns).ConfigureAwait(false);
        await loops.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(heartbeat, cancellations).ConfigureAwait(false);
        // Stopping at once bounds this too: lines the server does not take by then are reported lost, not waited for.
        await _logs.StopAsync(_reportsStop.Token).ConfigureAwait(false);
        Log.WorkerStopped(_logger);
    }

    private async Task ClaimLoopAsync(CancellationToken stopClaiming)
    {
        var refused = 0;
        _stopClaiming = stopClaiming;
        while (!stopClaiming.IsCancellationRequested)
        {
            if (await WaitForCarryingClaimAsync(stopClaiming).ConfigureAwait(false))
            {
                continue;
            }

            int capacity;
            lock (_capacity)
            {
                capacity = _options.Limit is { } limit ? FreeSlots(limit, ending: 0) : 10;
                _claimInFlight = capacity > 0;
            }

            if (capacity <= 0)
            {
                await _slotFreed.WaitAsync(stopClaiming).ConfigureAwait(false);
                continue;
            }

            TimeSpan? retryIn = null;
            var claim = ClaimSent();
            try
            {
                var runs = await _source.ClaimAsync(capacity, ClaimPrefetch, wait: !_options.RunOnce, stopClaiming).ConfigureAwait(false);
                Polled?.Invoke(_timeProvider.GetUtcNow());
                Metrics.RecordClaim(runs.Count);
                refused = 0;
                foreach (var run in runs)
                {
                    Start(run);
                }
            }
            catch (BosunServerUnreachableException ex) when (!stopClaiming.IsCancellationRequested)
            {
                Metrics.RecordClaimFailure();
                // The client retried for its whole window; keep polling (a worker outlives any outage), at the same pace.
                Log.ServerUnreachable(_logger, ex.Message, _options.ClaimRetryDelay);
                retryIn = _options.ClaimRetryDelay;
            }
            catch (BosunApiException ex) when (!stopClaiming.IsCancellationRequested)
            {
                Metrics.RecordClaimFailure();
                retryIn = TimeSpan.FromTicks(Math.Min(_options.ClaimRetryDelay.Ticks * (1L << Math.Min(++refused, 5)), TimeSpan.FromSeconds(30).Ticks));
                Log.ServerRefused(_logger, ex.Message, retryIn.Value);
            }
            finally
            {
                ClaimDone(claim);
                lock (_capacity)
                {
                    _claimInFlight = false;
                }
            }

            if (retryIn is { } delay)
            {
                await Task.Delay(delay, _timeProvider, stopClaiming).ConfigureAwait(false);
                continue;
            }

            if (_options.RunOnce)
            {
                await Task.WhenAll(_running.Values.Select(r => r.Task)).ConfigureAwait(false);
                return;
            }
        }
    }

    /// <summary>
    /// In a serving process that runs its runs in-process, whose final states go with a claim when no claim of the loop is
    /// on its way (<see cref="TryCarryFinalStatesAsync"/>): the loop's next long-poll waits for a claim carrying final
    /// states that is on its way, and for up to <see cref="CarryWindow"/> after a claim brought runs. Runs claimed together
    /// end together, moments later: their final states then go with the claim that takes the next runs, one request,
    /// instead of finding a long-poll on its way and going alone, two. True when it waited (the loop looks again).
    /// </summary>
    private async Task<bool> WaitForCarryingClaimAsync(CancellationToken stopClaiming)
    {
        if (_source is not ServedDeploymentsClaimSource || _infrastructure.InProcessId is null || _options.Limit is null || _options.RunOnce)
        {
            return false;
        }

        Task carried;
        TimeSpan left;
        TaskCompletionSource setOut;
        lock (_capacity)
        {
            carried = _carried;
            left = _running.Keys.All(_ending.Contains) ? TimeSpan.Zero : CarryWindow - _timeProvider.GetElapsedTime(_lastBroughtAt);
            setOut = _carrySetOut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        if (!carried.IsCompleted)
        {
            await carried.WaitAsync(stopClaiming).ConfigureAwait(false);
            return true;
        }

        if (left <= TimeSpan.Zero)
        {
            return false;
        }

        // Until the window ends, or a claim carrying final states sets out (the loop then waits for it, and looks again).
        using var window = CancellationTokenSource.CreateLinkedTokenSource(stopClaiming);
        await Task.WhenAny(Task.Delay(left, _timeProvider, window.Token), setOut.Task).ConfigureAwait(false);
        await window.CancelAsync().ConfigureAwait(false);
        stopClaiming.ThrowIfCancellationRequested();
        return true;
    }

    /// <summary>
    /// Sends final states of runs of this runtime that have ended (<paramref name="states"/>) with a claim for the slots
    /// their runs free, when the runtime serves deployments (<see cref="ServedDeploymentsClaimSource"/>), has a limit, and
    /// no claim of the claim loop is on its way (it waits for a slot: one request instead of a state request and then a
    /// claim). The claim does not wait; what it claims starts at once (a run whose final state is on its way no longer
    /// counts against the limit). Null when the states were not carried (the caller sends them on their own): a claim of
    /// the loop is on its way (a long-poll, which takes a new run anyway), the runtime is stopping, or the server refused
    /// the claim or answered without deciding them.
    /// </summary>
    public async Task<IReadOnlyList<Contracts.States.FlowRunSetStateResult>?> TryCarryFinalStatesAsync(IReadOnlyList<Contracts.States.FlowRunStateProposal> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        if (_source is not ServedDeploymentsClaimSource served || _options.Limit is not { } limit || _options.RunOnce || states.Count == 0)
        {
            return null;
        }

        int capacity;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_capacity)
        {
            // These runs wait for no claim any more, whichever way their states go (WaitForCarryingClaimAsync).
            _ending.UnionWith(states.Select(state => state.FlowRunId).Where(_running.ContainsKey));

            // Checked under the lock that RunAsync reads _carried under once claiming has stopped: a claim that starts
            // after that sees the stop, and one that started before is waited for before the drain.
            if (_claimInFlight || _stopClaiming.IsCancellationRequested)
            {
                return null;
            }

            var ending = states.Select(state => state.FlowRunId).Distinct().Count(_running.ContainsKey);
            capacity = Math.Max(0, FreeSlots(limit, ending));
            _carriedReserved += capacity;
            _carried = _carried.IsCompleted ? done.Task : Task.WhenAll(_carried, done.Task);
            _carrySetOut?.TrySetResult();
        }

        var claim = ClaimSent();
        try
        {
            // Not cancelled when claiming stops (what it claims is this process's then, and is drained); stopping at once ends it.
            var (runs, results) = await served.ClaimCarryingAsync(capacity, ClaimPrefetch, states, _reportsStop.Token).ConfigureAwait(false);
            Polled?.Invoke(_timeProvider.GetUtcNow());
            Metrics.RecordClaim(runs.Count);
            foreach (var run in runs)
            {
                Start(run);
            }

            return results;
        }
        catch (BosunApiException ex)
        {
            // E.g. a deployment deleted meanwhile: the states go on their own, and the claim loop sees the refusal itself.
            Log.CarriedClaimRefused(_logger, ex.Message);
            return null;
        }
        catch (OperationCanceledException) when (_reportsStop.IsCancellationRequested)
        {
            return null;
        }
        finally
        {
            ClaimDone(claim);
            lock (_capacity)
            {
                _carriedReserved -= capacity;
                AdmitWaiting();
            }

            done.TrySetResult();
        }
    }

    private void Start(Contracts.FlowRuns.ClaimedFlowRun run) => Start(run, null);

    private void Start(Contracts.FlowRuns.ClaimedFlowRun run, StartedInfrastructure? adopted)
    {
        lock (_startedOrder)
        {
            if (_startedLately.Add(run.FlowRun.Id))
            {
                _startedOrder.Enqueue(run.FlowRun.Id);
                if (_startedOrder.Count > StartedLatelyCount)
                {
                    _startedLately.Remove(_startedOrder.Dequeue());
                }
            }
        }

        var execution = new FlowRunExecution(run, _source, _infrastructure, _client, _logs, _options, _timeProvider, _logger, adopted) { Metrics = Metrics };
        var startAt = adopted is null ? StartTimeOf(run) : null;
        var ahead = startAt is null ? null : new AheadRun();
        // Registered before it starts, so that the cancellation loop and the drain always see it.
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = Task.Run(async () =>
        {
            await start.Task.ConfigureAwait(false);
            try
            {
                if (ahead is null || await execution.WaitForItsTimeAsync(startAt!.Value, () => TakeSlot(ahead), _withdraw.Token, _reportsStop.Token).ConfigureAwait(false))
                {
                    await execution.RunAsync(_reportsStop.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (_reportsStop.IsCancellationRequested)
            {
                // Stopped at once without a report; the server's heartbeat rule takes the run over.
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A fault in one run's handling (a launcher bug) must not take the other runs and the claim loop down.
                Log.ExecutionFailed(_logger, run.FlowRun.Name, ex);
            }
            finally
            {
                lock (_capacity)
                {
                    // A crash retry may have handed this run back already, to a new execution: that one stays registered.
                    if (_running.TryGetValue(run.FlowRun.Id, out var entry) && entry.Execution == execution)
                    {
                        _running.TryRemove(KeyValuePair.Create(run.FlowRun.Id, entry));
                        _ending.Remove(run.FlowRun.Id);
                    }

                    if (ahead is { HoldsSlot: false })
                    {
                        // Ended while it waited (cancelled, or handed back): it held no slot.
                        _ahead--;
                        _waitingForSlot.Remove(ahead);
                    }

                    AdmitWaiting();
                }

                _slotFreed.Release();
            }
        });
        lock (_capacity)
        {
            _running[run.FlowRun.Id] = (execution, task);
            _ending.Remove(run.FlowRun.Id);
            _ahead += ahead is null ? 0 : 1;
            _lastBroughtAt = _timeProvider.GetTimestamp();
        }

        start.SetResult();
    }

    /// <summary>
    /// When a claimed (PENDING) run is due: the time of the SCHEDULED state it was claimed from, which its PENDING keeps. That
    /// is a crash retry's new attempt, or a rescheduled run's new time, not the time it was first due.
    /// </summary>
    internal static DateTimeOffset DueAt(Contracts.FlowRuns.FlowRun run) => run.State.ScheduledTime ?? run.ExpectedStartTime;

    /// <summary>
    /// When the infrastructure of a run claimed ahead is to be created: its <see cref="StartLead"/> before its time; null to
    /// create it at once (the run is due within the lead, or was started by its claim, or is a serving process's: a PENDING
    /// run of a serving process is held by its claims alone, which stop while every slot is taken, so the server would hand
    /// a run waiting for a slot to another claimant; a worker's heartbeat holds it. Such a process therefore claims runs no
    /// earlier than their lead: <see cref="ClaimPrefetch"/>).
    /// </summary>
    private DateTimeOffset? StartTimeOf(Contracts.FlowRuns.ClaimedFlowRun run)
    {
        if (run.FlowRun.State.Type != StateType.Pending || _source is not WorkPoolClaimSource)
        {
            return null;
        }

        var startAt = DueAt(run.FlowRun) - StartLead;
        return startAt > _timeProvider.GetUtcNow() ? startAt : null;
    }

    /// <summary>
    /// How long before a run's time its infrastructure is created: the infrastructure's
    /// <see cref="FlowRunInfrastructure.StartLead"/>, or twice the longest recent start plus a second if that is longer; at
    /// most the prefetch.
    /// </summary>
    private TimeSpan StartLead
    {
        get
        {
            var lead = _infrastructure.StartLead;
            if (Metrics.LongestRecentStart is { } longest && longest * 2 + TimeSpan.FromSeconds(1) is var measured && measured > lead)
            {
                lead = measured;
            }

            return lead < _options.Prefetch ? lead : _options.Prefetch;
        }
    }

    /// <summary>
    /// How far ahead of their time claims take runs: the prefetch; for a serving process that starts a process per run, its
    /// <see cref="StartLead"/>. Such a process starts a run's process at the claim, and the run holds a slot from then (see
    /// <see cref="StartTimeOf"/>), so it takes a run no earlier than a worker would create the run's infrastructure: a run
    /// due later never holds the slot a run due now needs for longer than a worker's would (docs/runtime.md).
    /// </summary>
    private TimeSpan ClaimPrefetch => _source is ServedDeploymentsClaimSource && _infrastructure.InProcessId is null ? StartLead : _options.Prefetch;

    /// <summary>
    /// Slots a claim may fill now (under <see cref="_capacity"/>): the limit less the runs that hold one, the slots carried
    /// claims may fill and the runs claimed ahead waiting for one; and no more than leaves the runtime holding twice its
    /// limit in all, with the runs claimed ahead. <paramref name="ending"/> runs' final states go with the claim.
    /// </summary>
    private int FreeSlots(int limit, int ending) =>
        Math.Min(limit - (HoldingSlots - ending) - _carriedReserved - _waitingForSlot.Count, 2 * limit - (_running.Count - ending) - _carriedReserved);

    /// <summary>The runs that hold a slot: every run of the runtime but those claimed ahead that have not taken one (under <see cref="_capacity"/>).</summary>
    private int HoldingSlots => _running.Count - _ahead;

    /// <summary>A slot for a run claimed ahead whose time has come: at once (the task is complete) when one is free and no other waits, else in turn.</summary>
    private Task TakeSlot(AheadRun ahead)
    {
        lock (_capacity)
        {
            _waitingForSlot.Add(ahead);
            AdmitWaiting();
            return ahead.Slot.Task;
        }
    }

    /// <summary>Gives the slots free now to the runs claimed ahead that wait for one, in turn (under <see cref="_capacity"/>).</summary>
    private void AdmitWaiting()
    {
        while (_waitingForSlot.Count > 0 && (_options.Limit is not { } limit || HoldingSlots + _carriedReserved < limit))
        {
            var next = _waitingForSlot[0];
            _waitingForSlot.RemoveAt(0);
            next.HoldsSlot = true;
            _ahead--;
            next.Slot.TrySetResult();
        }
    }

    /// <summary>A run claimed ahead of its time; <see cref="HoldsSlot"/> once it took a slot (guarded by <see cref="_capacity"/>).</summary>
    private sealed class AheadRun
    {
        public TaskCompletionSource Slot { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool HoldsSlot { get; set; }
    }

    private async Task HeartbeatLoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await _source.HeartbeatAsync(stop).ConfigureAwait(false);
                await HeartbeatAdoptedAsync(stop).ConfigureAwait(false);
                if (!_options.RunOnce)
                {
                    await HandBackLostRunsAsync(final: false, stop).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is BosunServerUnreachableException or BosunApiException)
            {
                Metrics.RecordHeartbeatFailure();
                // The claim loop and the client report connectivity; a missed heartbeat only shows the worker OFFLINE for a while.
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await Task.Delay(_options.HeartbeatInterval, _timeProvider, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// An adopted run's claimant on the server is the worker that left it, which is silent: this worker heartbeats the
    /// run itself while it watches its infrastructure, so the server's sweep of abandoned runs leaves it alone.
    /// </summary>
    private async Task HeartbeatAdoptedAsync(CancellationToken stop)
    {
        foreach (var (id, (execution, _)) in _running)
        {
            if (execution is { Adopted: true, Started: true })
            {
                try
                {
                    await _client.SendFlowRunHeartbeatAsync(id, stop).ConfigureAwait(false);
                }
                catch (BosunApiException)
                {
                    // The run ended or was deleted meanwhile: its execution sees that itself.
                }
            }
        }
    }

    /// <summary>
    /// Runs the server says this claimant holds (PENDING or RUNNING, claimed by its name) that it never received: the
    /// answer of the claim that took them was lost and the claim was not sent again with its key (it was stopped on its way
    /// at shutdown, or its client gave up retrying and the next claim has a key of its own; a claim resent with its key
    /// gets them). Nothing would start them, and nothing would free
    /// their slots while this claimant lives, so they go back to their queue (SCHEDULED), with a line in their log saying
    /// why. Only a run nothing was started for is handed back: PENDING with no infrastructure, or RUNNING on this very
    /// process's in-process infrastructure (a served claim started it) that never heartbeat. While claiming, a run is lost
    /// only if it was unknown at the last check too and every claim sent before that check has been answered since (its
    /// runs would have been started); at shutdown (<paramref name="final"/>) no claim is on its way any more.
    /// </summary>
    private async Task HandBackLostRunsAsync(bool final, CancellationToken cancellationToken)
    {
        await _heldCheck.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The first claim still on its way before the list is read: a claim answered before it started what it took.
            long firstOnItsWay;
            lock (_claimsOnTheirWay)
            {
                firstOnItsWay = _claimsOnTheirWay.Count > 0 ? _claimsOnTheirWay.Min : long.MaxValue;
            }

            IReadOnlyList<FlowRunSummary> held;
            try
            {
                held = await _source.ListHeldAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is BosunServerUnreachableException or BosunApiException)
            {
                Log.HeldRunsCheckFailed(_logger, ex.Message);
                return;
            }

            // Every run in the list was taken by one of the claims sent by now.
            long sentByNow;
            lock (_claimsOnTheirWay)
            {
                sentByNow = _claimsSent;
            }

            var unknown = held.Select(run => run.Id).Where(id => !IsKnown(id)).ToHashSet();
            // Every claim sent before the last check has been answered (and what it took started) or has failed.
            var settled = firstOnItsWay > _claimsSentAtLastCheck;
            List<Guid> lost = final ? [.. unknown] : settled ? [.. unknown.Where(_unknownAtLastCheck.Contains)] : [];
            if (final || settled)
            {
                (_unknownAtLastCheck, _claimsSentAtLastCheck) = (unknown, sentByNow);
            }

            var listedUnder = held.ToDictionary(run => run.Id, run => run.WorkerName);
            foreach (var id in lost)
            {
                await HandBackAsync(id, listedUnder[id], cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _heldCheck.Release();
        }
    }

    private long ClaimSent()
    {
        lock (_claimsOnTheirWay)
        {
            var claim = ++_claimsSent;
            _claimsOnTheirWay.Add(claim);
            return claim;
        }
    }

    private void ClaimDone(long claim)
    {
        lock (_claimsOnTheirWay)
        {
            _claimsOnTheirWay.Remove(claim);
        }
    }

    private bool IsKnown(Guid runId)
    {
        lock (_startedOrder)
        {
            return _running.ContainsKey(runId) || _startedLately.Contains(runId);
        }
    }

    /// <summary>
    /// Hands <paramref name="runId"/> back to its queue if it is still <paramref name="claimant"/>'s (the name it was listed
    /// under) and untouched: the server may have handed it back itself meanwhile (a claim whose request had ended,
    /// ClaimService), and another claimant taken it since.
    /// </summary>
    private async Task HandBackAsync(Guid runId, string? claimant, CancellationToken cancellationToken)
    {
        try
        {
            var run = await _client.GetFlowRunAsync(runId, cancellationToken).ConfigureAwait(false);
            var untouched = run is { State.Type: StateType.Pending, InfrastructureId: null }
                || (run is { State.Type: StateType.Running, LastHeartbeat: null } && run.InfrastructureId is { } id && id == _infrastructure.InProcessId);
            if (!untouched || run.WorkerName != claimant || IsKnown(runId))
            {
                return;
            }

            Log.ClaimedRunHandedBack(_logger, runId);
            _logs.Add(runId, RunLogLevel.Warning,
                $"Worker '{_options.EffectiveName}' claimed this run, but the claim's answer never reached it (its connection broke, or it was stopping); nothing was started for the run, so it goes back to its queue.",
                LogSource.Worker);
            await _client.SetFlowRunStateAsync(runId, new StateProposal(StateType.Scheduled, Message: "handed back: its claim's answer never reached the worker",
                ScheduledTime: DueAt(run), TransitionId: Guid.NewGuid()), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BosunServerUnreachableException or BosunApiException)
        {
            // Looked at again at the next check; the server's sweep frees the run once this claimant is gone.
            Log.HeldRunsCheckFailed(_logger, ex.Message);
        }
    }

    /// <summary>The runtime owns cancellation of what it started: a CANCELLING run of its own gets its infrastructure stopped.</summary>
    private async Task CancellationLoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.CancellationPollInterval, _timeProvider, stop).ConfigureAwait(false);
                if (_running.IsEmpty)
                {
                    continue;
                }

                foreach (var id in await _source.ListCancellingAsync(stop).ConfigureAwait(false))
                {
                    if (_running.TryGetValue(id, out var entry) && !entry.Execution.StopRequested)
                    {
                        entry.Execution.RequestStop("the run was cancelled");
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is BosunServerUnreachableException or BosunApiException)
            {
                // Looked at again on the next pass.
            }
        }
    }

    /// <summary>Drain: no new claims; wait for running runs up to the grace period (or until told to stop at once); then stop them.</summary>
    private async Task DrainAsync(CancellationToken stopRuns)
    {
        if (_running.IsEmpty)
        {
            return;
        }

        if (_infrastructure is IAdoptableInfrastructure)
        {
            // Such infrastructure is not this worker's process: it goes on, released for another worker of the pool.
            Log.LeavingJobs(_logger, _running.Count);
            foreach (var (execution, _) in _running.Values)
            {
                execution.Leave();
            }
        }

        Log.Draining(_logger, _options.DrainGracePeriod, _running.Count);
        var all = Task.WhenAll(_running.Values.Select(r => r.Task));
        try
        {
            await all.WaitAsync(_options.DrainGracePeriod, _timeProvider, stopRuns).ConfigureAwait(false);
            return;
        }
        catch (TimeoutException)
        {
            Log.DrainExpired(_logger, _running.Count);
        }
        catch (OperationCanceledException)
        {
            Log.DrainInterrupted(_logger, _running.Count);
            // Stopping at once still reports each run, but does not wait on an absent server for long.
            _reportsStop.CancelAfter(_options.StopGracePeriod + TimeSpan.FromSeconds(10));
        }

        foreach (var (execution, _) in _running.Values)
        {
            execution.RequestStop(ShutDownReason);
        }

        await all.ConfigureAwait(false);
    }

    /// <summary>What each run is started on.</summary>
    internal FlowRunInfrastructure Infrastructure => _infrastructure;

    public void Dispose()
    {
        if (_ownsInfrastructure && _infrastructure is IDisposable disposable)
        {
            disposable.Dispose();
        }

        _slotFreed.Dispose();
        _heldCheck.Dispose();
        _reportsStop.Dispose();
        _withdraw.Dispose();
    }
}
