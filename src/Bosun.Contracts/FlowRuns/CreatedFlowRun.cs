namespace Bosun.Contracts.FlowRuns;

/// <summary>One run of a batch create, in the order sent.</summary>
/// <param name="Id">The run's id.</param>
/// <param name="Name">The run's name (generated when none was sent).</param>
/// <param name="Created">False when the run's idempotency key named a run that already existed, which is returned instead.</param>
public sealed record CreatedFlowRun(Guid Id, string Name, bool Created);
