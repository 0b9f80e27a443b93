namespace Bosun.Contracts.FlowRuns;

/// <summary>A serving process asks for due runs of its own deployments (no work pool); answered runs are PENDING and its own.</summary>
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
    double? WaitSeconds = null);
