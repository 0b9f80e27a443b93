namespace Bosun.Contracts.FlowRuns;

/// <summary>
/// What keeps a claimed run's infrastructure from starting, as its worker sees it (a pod's FailedScheduling or
/// ImagePullBackOff); shown in the run's waiting reason while it is PENDING.
/// </summary>
/// <param name="Reason">The reason, at most 1,000 characters; null clears it.</param>
public sealed record WaitingReasonUpdate(string? Reason)
{
    /// <summary>
    /// The worker saying it: the run's claimant, or a live worker of the run's pool that adopted its infrastructure after
    /// the claimant missed two heartbeats. Anyone else is refused (409).
    /// </summary>
    public string? WorkerName { get; init; }
}
