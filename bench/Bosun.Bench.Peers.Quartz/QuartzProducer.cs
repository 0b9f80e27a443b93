using global::Quartz;

namespace Bosun.Bench.Peers.Quartz;

/// <summary>
/// Creates Quartz's jobs from a scheduler that is never started (a client of the job store, as a web application that
/// only schedules work is): one job with one simple trigger per job, starting now or at its due time.
/// </summary>
internal sealed class QuartzProducer(string[] args) : IJobProducer
{
    private IScheduler? _scheduler;

    public async Task CreateAsync(int index, DateTimeOffset? due, CancellationToken cancellationToken)
    {
        _scheduler ??= await QuartzStore.BuildAsync(args, 1);
        var job = JobBuilder.Create<QuartzNoopJob>().WithIdentity($"job-{index}").UsingJobData("i", index).Build();
        var trigger = TriggerBuilder.Create().WithIdentity($"trigger-{index}");
        trigger = due is { } at ? trigger.StartAt(at) : trigger.StartNow();
        await _scheduler.ScheduleJob(job, trigger.Build(), cancellationToken: cancellationToken);
    }

    public async Task<long> CountUnfinishedAsync(CancellationToken cancellationToken)
    {
        _scheduler ??= await QuartzStore.BuildAsync(args, 1);
        // A job without a durable flag is deleted once its only trigger has fired and the job has finished.
        return (await _scheduler.GetJobKeys(GroupMatcher<JobKey>.AnyGroup(), cancellationToken)).Count;
    }

    public async ValueTask DisposeAsync()
    {
        if (_scheduler is not null)
        {
            await _scheduler.Shutdown();
        }
    }
}
