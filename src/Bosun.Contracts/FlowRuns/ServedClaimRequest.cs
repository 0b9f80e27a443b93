using Bosun.Contracts.States;

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

    /// <summary>
    /// Final states of runs this process has finished, decided before the claim exactly as
    /// <c>POST /api/flow_runs/set_states</c> decides them (at most 100, authorized the same way), and answered in
    /// <c>state_results</c> in the order sent: a process whose slots are all taken sends its
    /// ending runs' states with the claim for the slots they free, one request instead of two. A claim that is refused
    /// (bad input, a deployment that does not exist) decides none of them.
    /// </summary>
    public IReadOnlyList<FlowRunStateProposal>? States { get; init; }
}
