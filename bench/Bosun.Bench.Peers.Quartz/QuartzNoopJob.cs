using global::Quartz;

namespace Bosun.Bench.Peers.Quartz;

/// <summary>The comparison's trivial job as a Quartz job; its index is in the job data.</summary>
public sealed class QuartzNoopJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        JobStarts.Record(context.MergedJobDataMap.GetInt("i"));
        return ValueTask.CompletedTask;
    }
}
