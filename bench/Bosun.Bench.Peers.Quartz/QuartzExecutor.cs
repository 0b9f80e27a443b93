using global::Quartz;

namespace Bosun.Bench.Peers.Quartz;

/// <summary>Executes Quartz's jobs: a started scheduler with 8 threads in this process.</summary>
internal sealed class QuartzExecutor(string[] args) : IJobExecutor
{
    private IScheduler? _scheduler;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _scheduler = await QuartzStore.BuildAsync(args, 8);
        await _scheduler.Start(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_scheduler is not null)
        {
            await _scheduler.Shutdown(waitForJobsToComplete: true);
        }
    }
}
