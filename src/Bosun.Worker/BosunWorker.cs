using Bosun.Worker.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Bosun.Worker;

/// <summary>
/// A <see cref="WorkerRuntime"/> polling a work pool, as a hosted service: the host's stop starts the drain, and the
/// host's shutdown timeout (set by <see cref="WorkerServiceCollectionExtensions.AddBosunWorker"/> to cover the drain)
/// stops what is left at once.
/// </summary>
internal sealed class BosunWorker(WorkerRuntime runtime, IOptions<WorkerOptions> options, IHostApplicationLifetime lifetime) : BackgroundService
{
    private readonly CancellationTokenSource _stopRuns = new();

    /// <summary>Runs this worker holds now: claimed and not ended, runs claimed ahead of their time included.</summary>
    public int RunningCount => runtime.RunningCount;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await runtime.RunAsync(stoppingToken, _stopRuns.Token).ConfigureAwait(false);
        if (options.Value.RunOnce)
        {
            lifetime.StopApplication();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await using var registration = cancellationToken.Register(_stopRuns.Cancel).ConfigureAwait(false);
        await base.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _stopRuns.Dispose();
        base.Dispose();
    }
}
