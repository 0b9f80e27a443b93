using System.Collections.Concurrent;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Worker.Infrastructure;
using Bosun.Worker.Infrastructure.Kubernetes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bosun.Worker;

/// <summary>
/// The worker (spec §6): heartbeats, long-poll claims within its capacity (live infrastructure, not submissions),
/// one <see cref="FlowRunExecution"/> per claimed run, cancellation of what it started, and a graceful drain.
/// </summary>
internal sealed class BosunWorker(
    BosunClient client,
    WorkPool pool,
    FlowRunInfrastructure infrastructure,
    LogShipper logs,
    WorkerHealth health,
    IOptions<WorkerOptions> options,
    TimeProvider timeProvider,
    IHostApplicationLifetime lifetime,
    ILogger<BosunWorker> logger) : BackgroundService
{
    private readonly WorkerOptions _options = options.Value;
    private readonly ConcurrentDictionary<Guid, (FlowRunExecution Execution, Task Task)> _running = new();
    private readonly SemaphoreSlim _slotFreed = new(0);
    private readonly CancellationTokenSource _executionsStop = new();

    /// <summary>Runs this worker is executing now.</summary>
    public int RunningCount => _running.Count;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["WorkPool"] = pool.Name, ["Worker"] = _options.EffectiveName });
        Log.WorkerStarted(logger, _options.EffectiveName, pool.Name, pool.Type, client.ApiUrl);
        logs.Start();
        // Heartbeats and cancellation checks go on through the drain; they stop when the worker is done.
        using var loops = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var heartbeat = HeartbeatLoopAsync(loops.Token);
        var cancellations = CancellationLoopAsync(loops.Token);
        // [kubernetes adoption hook] Jobs outlive their worker: while claiming, find, adopt and clean up the pool's Jobs.
        using var claiming = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var reconciliation = infrastructure is IAdoptableInfrastructure adoptable
            ? new InfrastructureReconciler(adoptable, client, pool, _options, _running.ContainsKey, (run, item) => Start(run, pool, item), timeProvider, logger).RunAsync(claiming.Token)
            : Task.CompletedTask;
        try
        {
            await ClaimLoopAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }

        await claiming.CancelAsync().ConfigureAwait(false);
        await reconciliation.ConfigureAwait(false);

        await DrainAsync().ConfigureAwait(false);
        await loops.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(heartbeat, cancellations).ConfigureAwait(false);
        await logs.StopAsync().ConfigureAwait(false);
        Log.WorkerStopped(logger);
        if (_options.RunOnce)
        {
            lifetime.StopApplication();
        }
    }

    private async Task ClaimLoopAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            var capacity = _options.Limit is { } limit ? limit - _running.Count : 10;
            if (capacity <= 0)
            {
                await _slotFreed.WaitAsync(stoppingToken).ConfigureAwait(false);
                continue;
            }

            ClaimResponse claim;
            try
            {
                claim = await client.ClaimFlowRunsAsync(pool.Name, new ClaimRequest(
                    _options.EffectiveName,
                    capacity,
                    _options.WorkQueues.Count > 0 ? _options.WorkQueues.ToList() : null,
                    pool.Type,
                    _options.Prefetch.TotalSeconds,
                    _options.RunOnce ? 0 : _options.ClaimWait.TotalSeconds,
                    (int)Math.Ceiling(_options.HeartbeatInterval.TotalSeconds)), stoppingToken).ConfigureAwait(false);
                health.RecordPoll(timeProvider.GetUtcNow());
                backoff = TimeSpan.FromSeconds(1);
            }
            catch (Exception ex) when (ex is BosunServerUnreachableException or BosunApiException && !stoppingToken.IsCancellationRequested)
            {
                if (ex is BosunApiException)
                {
                    Log.ServerRefused(logger, ex.Message, backoff);
                }
                else
                {
                    Log.ServerUnreachable(logger, ex.Message, backoff);
                }

                await Task.Delay(backoff, timeProvider, stoppingToken).ConfigureAwait(false);
                backoff = TimeSpan.FromSeconds(Math.Min(30, backoff.TotalSeconds * 2));
                continue;
            }

            foreach (var run in claim.Runs)
            {
                Start(run, claim.WorkPool);
            }

            if (_options.RunOnce)
            {
                await Task.WhenAll(_running.Values.Select(r => r.Task)).ConfigureAwait(false);
                return;
            }
        }
    }

    private void Start(ClaimedFlowRun run, WorkPool claimedPool, StartedInfrastructure? adopted = null)
    {
        var execution = new FlowRunExecution(run, claimedPool, infrastructure, client, logs, _options, logger, adopted);
        var task = Task.Run(async () =>
        {
            try
            {
                await execution.RunAsync(_executionsStop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_executionsStop.IsCancellationRequested)
            {
                // The worker is going away without a drain (host killed); the zombie rule takes over.
            }
            finally
            {
                _running.TryRemove(run.FlowRun.Id, out _);
                _slotFreed.Release();
            }
        });
        _running[run.FlowRun.Id] = (execution, task);
    }

    private async Task HeartbeatLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await client.SendWorkerHeartbeatAsync(pool.Name, new WorkerHeartbeat(
                    _options.EffectiveName, pool.Type, (int)Math.Ceiling(_options.HeartbeatInterval.TotalSeconds)), stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is BosunServerUnreachableException or BosunApiException && !stoppingToken.IsCancellationRequested)
            {
                // The claim loop reports connectivity; a missed heartbeat only shows the worker OFFLINE for a while.
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await Task.Delay(_options.HeartbeatInterval, timeProvider, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The worker owns cancellation of what it started: a CANCELLING run of its own gets its infrastructure stopped.</summary>
    private async Task CancellationLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.CancellationPollInterval, timeProvider, stoppingToken).ConfigureAwait(false);
                if (_running.IsEmpty)
                {
                    continue;
                }

                var cancelling = await client.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Cancelling], WorkPoolName: pool.Name, Limit: 500), stoppingToken).ConfigureAwait(false);
                foreach (var run in cancelling.Items)
                {
                    if (_running.TryGetValue(run.Id, out var entry) && !entry.Execution.StopRequested)
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

    /// <summary>Graceful drain (spec §6, Bosun): no new claims; wait for running runs; then stop them and mark them CRASHED.</summary>
    private async Task DrainAsync()
    {
        if (infrastructure is IAdoptableInfrastructure && !_running.IsEmpty)
        {
            // [kubernetes adoption hook] A Job is not this worker's process: it goes on, and another worker adopts it.
            Log.LeavingJobs(logger, _running.Count);
        }
        else if (!_running.IsEmpty)
        {
            Log.Draining(logger, _options.DrainGracePeriod, _running.Count);
            var all = Task.WhenAll(_running.Values.Select(r => r.Task));
            await Task.WhenAny(all, Task.Delay(_options.DrainGracePeriod, timeProvider)).ConfigureAwait(false);
            if (!all.IsCompleted)
            {
                Log.DrainExpired(logger, _running.Count);
                foreach (var (execution, _) in _running.Values)
                {
                    execution.RequestStop("the worker shut down");
                }

                await all.ConfigureAwait(false);
            }
        }

        await _executionsStop.CancelAsync().ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _slotFreed.Dispose();
        _executionsStop.Dispose();
        base.Dispose();
    }
}
