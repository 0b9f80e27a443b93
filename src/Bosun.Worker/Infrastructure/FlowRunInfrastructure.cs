namespace Bosun.Worker.Infrastructure;

/// <summary>A kind of infrastructure a worker creates for each run (process, docker, kubernetes).</summary>
public abstract class FlowRunInfrastructure
{
    /// <summary>The work pool type it serves.</summary>
    public abstract string Type { get; }

    /// <summary>
    /// Whether the run's flow reports with a token of its own (<c>BOSUN_API_KEY</c>, scoped to its run), which the worker
    /// then asks the server for before starting it. False for a flow run inside the worker's own process (serve's
    /// in-process runs), which reports with the worker's client and would never read the token.
    /// </summary>
    public virtual bool TakesRunToken => true;

    /// <summary>
    /// The infrastructure id of runs this launcher runs inside the claiming process (serve's in-process runs), or null.
    /// Its source asks for due runs RUNNING on it, started by the claim itself (<c>in_process_infrastructure_id</c>), so
    /// that such a run needs no Submitting, RUNNING or infrastructure request of its own; its handle's id is this id.
    /// </summary>
    public virtual string? InProcessId => null;

    /// <summary>
    /// How long before a run's time its infrastructure is created when the run was claimed further ahead (the prefetch):
    /// until then the run holds none of the worker's slots (docs/runtime.md). The worker uses at least twice the longest
    /// recent start it measured plus a second, and never more than its prefetch; <see cref="TimeSpan.MaxValue"/> (a Job's
    /// pod, which may wait for a node and an image) creates it as soon as the run is claimed.
    /// </summary>
    public virtual TimeSpan StartLead => TimeSpan.FromSeconds(5);

    /// <summary>Creates and starts the run's infrastructure. Throws <see cref="SubmissionException"/> with a readable reason when it cannot.</summary>
    public abstract Task<InfrastructureHandle> StartAsync(JobContext job, CancellationToken cancellationToken);
}
