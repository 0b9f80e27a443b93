namespace Bosun.Contracts.FlowRuns;

/// <summary>Creates many runs of one deployment in one request and one write: all of them, or none when one is refused.</summary>
/// <param name="Runs">1 to 1,000 runs, each as a single create takes it; an error names its index (<c>runs[3].parameters</c>).</param>
public sealed record FlowRunBatchCreate(IReadOnlyList<FlowRunCreate> Runs);
