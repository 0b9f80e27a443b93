namespace Bosun.Contracts.FlowRuns;

/// <summary>
/// A serving process asks for due runs of its own deployments (no work pool); answered runs are PENDING and its own, or
/// RUNNING when it runs them inside itself (<see cref="InProcessInfrastructureId"/>).
/// </summary>
/// <param name="ProcessName">The serving process, recorded as the runs' worker.</param>
/// <param name="DeploymentIds">The served deployments (none of them on a work pool).</param>
/// <param name="MaxRuns">At most this many runs.</param>
/// <param name="PrefetchSeconds">Runs due within this many seconds are eligible (default 10).</param>
/// <param name="WaitSeconds">When nothing is eligible, hold the request up to this long (at most 60).</param>
public sealed record ServedClaimRequest(
    string ProcessName,
    IReadOnlyList<Guid> DeploymentIds,
    int MaxRuns = 1,
    double? PrefetchSeconds = null,
    double? WaitSeconds = null)
{
    /// <summary>
    /// Set by a process that runs its runs inside itself, as this infrastructure id: runs that are due are answered
    /// RUNNING on it, moved through PENDING and then RUNNING by the same rules as the proposals they replace, in the
    /// claim's own write (no Submitting, RUNNING or infrastructure request of their own). A run claimed ahead of its time,
    /// or one the rules do not let run yet, is answered PENDING as without it. At most 500 characters.
    /// </summary>
    public string? InProcessInfrastructureId { get; init; }
}
