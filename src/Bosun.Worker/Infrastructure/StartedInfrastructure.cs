namespace Bosun.Worker.Infrastructure;

/// <summary>One infrastructure a pool's worker started (a Job), as <see cref="IAdoptableInfrastructure.ListAsync"/> finds it.</summary>
/// <param name="Id">The infrastructure id recorded on the run (<c>namespace/job-name</c>).</param>
/// <param name="RunId">The run it was started for.</param>
/// <param name="WorkerName">The worker that watches it (its creator, or the last worker that adopted it).</param>
/// <param name="FinishedAt">When it ended, or null while it runs.</param>
/// <param name="FinishedTtl">How long it is kept once ended (<c>finished_job_ttl</c>); null keeps it.</param>
internal abstract record StartedInfrastructure(string Id, Guid RunId, string WorkerName, DateTimeOffset? FinishedAt, TimeSpan? FinishedTtl)
{
    /// <summary>
    /// Takes it over for <paramref name="workerName"/> and watches it; null when another worker took it over first.
    /// <paramref name="skipLines"/> output lines are already in the run's logs: streaming resumes after them.
    /// <paramref name="waitingReason"/> is told why it has not started yet, as for infrastructure the worker started.
    /// </summary>
    public abstract Task<InfrastructureHandle?> AdoptAsync(string workerName, long skipLines, Action<string, bool> output, Action<string> workerLog,
        Action<string> waitingReason, CancellationToken cancellationToken);

    /// <summary>Deletes it, with whatever still runs in it.</summary>
    public abstract Task DeleteAsync(CancellationToken cancellationToken);
}
