using System.Collections.Concurrent;
using Bosun.Client;
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

    /// <summary>Guards <see cref="_carriedReserved"/> and <see cref="_claimInFlight"/>.</summary>
    private readonly Lock _capacity = new();

    /// <summary>Slots that claims carrying final states (<see cref="TryCarryFinalStatesAsync"/>) may fill while they are on their way.</summary>
    private int _carriedReserved;

    /// <summary>A claim of the claim loop is on its way (until the runs it brought are started).</summary>
    private bool _claimInFlight;

    /// <summary>Ends when the claims carrying final states that are on their way have started what they brought.</summary>
    private Task _carried = Task.CompletedTask;

    private CancellationToken _stopClaiming = new(canceled: true);
    private readonly CancellationTokenSource _reportsStop;

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

    /// <summary>Runs this runtime is executing now.</summary>
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
            int capacity;
            lock (_capacity)
            {
                capacity = _options.Limit is { } limit ? limit - _running.Count - _carriedReserved : 10;
                _claimInFlight = capacity > 0;
            }

            if (capacity <= 0)
            {
                await _slotFreed.WaitAsync(stopClaiming).ConfigureAwait(false);
                continue;
            }

            TimeSpan? retryIn = null;
            try
            {
                var runs = await _source.ClaimAsync(capacity, wait: !_options.RunOnce, stopClaiming).ConfigureAwait(false);
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
            // Checked under the lock that RunAsync reads _carried under once claiming has stopped: a claim that starts
            // after that sees the stop, and one that started before is waited for before the drain.
            if (_claimInFlight || _stopClaiming.IsCancellationRequested)
            {
                return null;
            }

            var ending = states.Select(state => state.FlowRunId).Distinct().Count(_running.ContainsKey);
            capacity = Math.Max(0, limit - _running.Count + ending - _carriedReserved);
            _carriedReserved += capacity;
            _carried = _carried.IsCompleted ? done.Task : Task.WhenAll(_carried, done.Task);
        }

        try
        {
            // Not cancelled when claiming stops (what it claims is this process's then, and is drained); stopping at once ends it.
            var (runs, results) = await served.ClaimCarryingAsync(capacity, states, _reportsStop.Token).ConfigureAwait(false);
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
            lock (_capacity)
            {
                _carriedReserved -= capacity;
            }

            done.TrySetResult();
        }
    }

    private void Start(Contracts.FlowRuns.ClaimedFlowRun run) => Start(run, null);

    private void Start(Contracts.FlowRuns.ClaimedFlowRun run, StartedInfrastructure? adopted)
    {
        var execution = new FlowRunExecution(run, _source, _infrastructure, _client, _logs, _options, _timeProvider, _logger, adopted) { Metrics = Metrics };
        // Registered before it starts, so that the cancellation loop and the drain always see it.
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = Task.Run(async () =>
        {
            await start.Task.ConfigureAwait(false);
            try
            {
                await execution.RunAsync(_reportsStop.Token).ConfigureAwait(false);
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
                // A crash retry may have handed this run back already, to a new execution: that one stays registered.
                if (_running.TryGetValue(run.FlowRun.Id, out var entry) && entry.Execution == execution)
                {
                    _running.TryRemove(KeyValuePair.Create(run.FlowRun.Id, entry));
                }

                _slotFreed.Release();
            }
        });
        _running[run.FlowRun.Id] = (execution, task);
        start.SetResult();
    }

    private async Task HeartbeatLoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await _source.HeartbeatAsync(stop).ConfigureAwait(false);
                await HeartbeatAdoptedAsync(stop).ConfigureAwait(false);
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
            execution.RequestStop("the worker shut down");
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
        _reportsStop.Dispose();
    }
}
