namespace Bosun.Contracts.FlowRuns;

/// <summary>The answer to a batch create: each run in the order sent.</summary>
/// <param name="Runs">The runs, created or (by idempotency key) found.</param>
public sealed record FlowRunBatchCreated(IReadOnlyList<CreatedFlowRun> Runs);
