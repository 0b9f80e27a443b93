using Bosun.Contracts.States;

namespace Bosun.Contracts.FlowRuns;

/// <summary>The runs a serving process claimed, in delivery order.</summary>
/// <param name="Runs">The claimed runs, now PENDING.</param>
public sealed record ServedClaimResponse(IReadOnlyList<ClaimedFlowRun> Runs)
{
    /// <summary>The answers to the request's <c>states</c>, in their order; null when it carried none.</summary>
    public IReadOnlyList<FlowRunSetStateResult>? StateResults { get; init; }
}
