namespace Bosun.Worker.Infrastructure;

/// <summary>A kind of infrastructure a worker creates for each run (process, docker, kubernetes).</summary>
public abstract class FlowRunInfrastructure
{
    /// <summary>The work pool type it serves.</summary>
    public abstract string Type { get; }

    /// <summary>Creates and starts the run's infrastructure. Throws <see cref="SubmissionException"/> with a readable reason when it cannot.</summary>
    public abstract Task<InfrastructureHandle> StartAsync(JobContext job, CancellationToken cancellationToken);
}
