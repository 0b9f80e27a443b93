namespace Bosun.Contracts.FlowRuns;

/// <summary>The runs a serving process claimed, in delivery order.</summary>
/// <param name="Runs">The claimed runs, now PENDING.</param>
public sealed record ServedClaimResponse(IReadOnlyList<ClaimedFlowRun> Runs);
