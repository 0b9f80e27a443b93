using global::Hangfire;

namespace Bosun.Bench.Peers.Hangfire;

/// <summary>Creates Hangfire's jobs: Enqueue for a job due now, Schedule for a job due later.</summary>
internal sealed class HangfireProducer(JobStorage storage) : IJobProducer
{
    private readonly BackgroundJobClient _client = new(storage);

    public Task CreateAsync(int index, DateTimeOffset? due, CancellationToken cancellationToken)
    {
        if (due is { } at)
        {
            _client.Schedule(() => HangfireJobs.Run(index), at);
        }
        else
        {
            _client.Enqueue(() => HangfireJobs.Run(index));
        }

        return Task.CompletedTask;
    }

    public Task<long> CountUnfinishedAsync(CancellationToken cancellationToken)
    {
        var statistics = storage.GetMonitoringApi().GetStatistics();
        return Task.FromResult(statistics.Enqueued + statistics.Scheduled + statistics.Processing);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
