using System.Diagnostics;
using Bosun.Server.Orchestration.Tracing;
using Bosun.Server.Storage;
using Microsoft.Extensions.Options;

namespace Bosun.Server.Orchestration;

/// <summary>
/// A store-sweeping loop: runs <see cref="SweepAsync"/> every <see cref="BosunServerOptions.ServiceInterval"/> on the
/// server's clock on the leader replica only, backs off after errors and stops cleanly with the host. Each sweep that
/// changed something, or failed, is a span of its own trace (<c>bosun.sweep &lt;service&gt;</c>, docs/operations.md, Traces);
/// one that found nothing to do is not exported.
/// </summary>
internal abstract class PeriodicStoreService(TimeProvider timeProvider, IOptions<BosunServerOptions> options, ILogger logger, Leadership leadership) : BackgroundService
{
    protected TimeProvider TimeProvider { get; } = timeProvider;

    protected BosunServerOptions Options { get; } = options.Value;

    protected ILogger Logger { get; } = logger;

    /// <summary>
    /// Since when this loop has swept without a break: its first sweep as leader, or its first successful sweep after a
    /// failure (a database outage) or a lost leadership. Before that nobody could reach this server's store, so nobody can
    /// be judged silent for that time. Null until then (a sweep called directly, as tests do, judges from the first moment).
    /// </summary>
    public DateTimeOffset? ListeningSince { get; private set; }

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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        using var scope = Logger.BeginScope(GetType().Name);
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
                await WaitAsync(delay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
