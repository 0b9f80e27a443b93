using global::Hangfire;

namespace Bosun.Bench.Peers.Hangfire;

/// <summary>Executes Hangfire's jobs: a BackgroundJobServer with 8 workers in this process.</summary>
internal sealed class HangfireExecutor(JobStorage storage, string[] args) : IJobExecutor
{
    private BackgroundJobServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var options = new BackgroundJobServerOptions { WorkerCount = 8 };
        if (HangfireStore.IsTuned(args))
        {
            options.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        }

        _server = new BackgroundJobServer(options, storage);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _server?.Dispose();
        return ValueTask.CompletedTask;
    }
}
