using Bosun.Contracts.WorkPools;

namespace Bosun.Contracts.FlowRuns;

/// <summary>The answer to a claim.</summary>
/// <param name="WorkPool">The pool (its base job template renders each run's job).</param>
/// <param name="Runs">The claimed runs, in delivery order.</param>
public sealed record ClaimResponse(WorkPool WorkPool, IReadOnlyList<ClaimedFlowRun> Runs);
