namespace Bosun.Contracts.FlowRuns;

/// <summary>A worker asks for due runs; the answered runs are already PENDING and owned by it.</summary>
/// <param name="WorkerName">The claiming worker (its heartbeat is recorded).</param>
/// <param name="MaxRuns">At most this many runs (the worker's free capacity).</param>
/// <param name="WorkQueueNames">Only these queues of the pool; all when null or empty.</param>
/// <param name="WorkerType">The worker's type, recorded on the worker.</param>
/// <param name="PrefetchSeconds">Runs due within this many seconds are eligible (default 10).</param>
/// <param name="WaitSeconds">When nothing is eligible, hold the request up to this long and answer as soon as a run becomes eligible (at most 60).</param>
/// <param name="HeartbeatIntervalSeconds">The worker's heartbeat interval.</param>
public sealed record ClaimRequest(
    string WorkerName,
    int MaxRuns = 1,
    IReadOnlyList<string>? WorkQueueNames = null,
    string? WorkerType = null,
    double? PrefetchSeconds = null,
    double? WaitSeconds = null,
    int? HeartbeatIntervalSeconds = null);
