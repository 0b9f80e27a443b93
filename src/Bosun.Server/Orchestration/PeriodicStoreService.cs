using System.Diagnostics;
using Bosun.Server.Orchestration.Tracing;
using Bosun.Server.Storage;
using Microsoft.Extensions.Options;

namespace Bosun.Server.Orchestration;

/// <summary>
/// A store-sweeping loop: runs <see cref="SweepAsync"/> every <see cref="BosunServerOptions.ServiceInterval"/> on the
/// server's clock on the leader replica only, backs off after errors and stops cleanly with the host. Each sweep that
/// changed something, or failed, is a span of its own trace (<c>bosun.sweep &lt;service&gt;</c>, docs/operations.md, Traces);
/// one that found nothing to do is not exported. The first sweep waits until the host has started, web server included:
/// before that no client can reach the server, so a sweep that judges silence would judge time nobody could be heard.
/// </summary>
internal abstract class PeriodicStoreService(
    TimeProvider timeProvider, IOptions<BosunServerOptions> options, ILogger logger, Leadership leadership, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected TimeProvider TimeProvider { get; } = timeProvider;

    protected BosunServerOptions Options { get; } = options.Value;

    protected ILogger Logger { get; } = logger;

    /// <summary>
    /// Since when this loop has swept without a break: its first sweep as leader once the server listens, or its first
    /// successful sweep after a failure (a database outage) or a lost leadership. Before that nobody could reach this
    /// server's store, so nobody can be judged silent for that time. ASP.NET Core starts hosted services before the web
    /// server, which a loaded machine can take seconds to bring up: counting from the first sweep alone had a restarted
    /// server crash a run whose worker's heartbeats could not yet be answered. Null until then (a sweep called directly,
    /// as tests do, judges from the first moment).
    /// </summary>
    public DateTimeOffset? ListeningSince { get; private set; }

    /// <summary>The wait before the next pass, once the loop has made its first; null before that.</summary>
    private Task? _waiting;

    /// <summary>
    /// True while the loop waits for its next pass and nothing has woken it yet: a sweep called directly (as tests do on a
    /// clock of their own) then runs alone, not beside a pass of the loop that began late on a loaded machine.
    /// </summary>
    public bool Idle => Volatile.Read(ref _waiting) is { IsCompleted: false } && !WakeRequested;

    /// <summary>True when something has asked the loop for a pass it has not begun yet (a subclass that wakes on a signal).</summary>
    protected virtual bool WakeRequested => false;

    /// <summary>One pass; returns how many runs it changed.</summary>
    public abstract Task<int> SweepAsync(CancellationToken cancellationToken);

    /// <summary>Waits before the next pass; a subclass may also wake on a signal.</summary>
    protected virtual Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken) => Task.Delay(delay, TimeProvider, cancellationToken);

    private async Task TracedSweepAsync(CancellationToken cancellationToken)
    {
        if (!ServerTracing.Source.HasListeners())
        {
            await SweepAsync(cancellationToken);
            return;
        }

        // A root of its own: nothing a sweep does belongs to the trace of whatever ran before on this thread.
        Activity.Current = null;
        using var activity = ServerTracing.Source.StartActivity("bosun.sweep " + GetType().Name, ActivityKind.Internal, default(ActivityContext));
        try
        {
            var changed = await SweepAsync(cancellationToken);
            activity?.SetTag("bosun.sweep.changed", changed);
            if (changed == 0 && activity is not null)
            {
                // Every few seconds per service: an idle sweep would bury the traces that matter.
                activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            activity?.AddException(ex).SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
    }

    /// <summary>Completes once the host has started (every hosted service, the web server last), or is cancelled.</summary>
    private async Task WhenStartedAsync(CancellationToken cancellationToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Runs at once when the host has already started.
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        using var scope = Logger.BeginScope(GetType().Name);
        try
        {
            await WhenStartedAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var delay = Options.ServiceInterval;
            try
            {
                // With several replicas only the leader sweeps; the others keep trying to become it.
                if (await leadership.IsLeaderAsync(stoppingToken))
                {
                    ListeningSince ??= TimeProvider.GetUtcNow();
                    await TracedSweepAsync(stoppingToken);
                }
                else
                {
                    ListeningSince = null;
                }

                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                ListeningSince = null;
                delay = TimeSpan.FromSeconds(Math.Min(60, Options.ServiceInterval.TotalSeconds * Math.Pow(2, Math.Min(failures, 6))));
                Log.BackgroundServiceFailed(Logger, GetType().Name, delay, ex);
            }

            try
            {
                var waiting = WaitAsync(delay, stoppingToken);
                Volatile.Write(ref _waiting, waiting);
                await waiting;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
