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

    /// <summary>Creates and starts the run's infrastructure. Throws <see cref="SubmissionException"/> with a readable reason when it cannot.</summary>
    public abstract Task<InfrastructureHandle> StartAsync(JobContext job, CancellationToken cancellationToken);
}
