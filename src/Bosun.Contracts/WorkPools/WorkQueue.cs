namespace Bosun.Contracts.WorkPools;

/// <summary>A work queue as the API returns it.</summary>
/// <param name="Id">Server id.</param>
/// <param name="WorkPoolName">The pool it belongs to.</param>
/// <param name="Name">Unique within the pool.</param>
/// <param name="Description">Free text.</param>
/// <param name="Priority">Lower numbers are served first.</param>
/// <param name="ConcurrencyLimit">Most runs in flight, or null.</param>
/// <param name="Paused">Paused queues deliver nothing.</param>
/// <param name="LastPolled">When a worker last claimed from it.</param>
/// <param name="Status">READY when polled within 60 s, NOT_READY otherwise, PAUSED when paused.</param>
/// <param name="SlotsInUse">Runs of this queue in PENDING, RUNNING or CANCELLING.</param>
/// <param name="LateRuns">Runs of this queue in the Late state.</param>
public sealed record WorkQueue(
    Guid Id,
    string WorkPoolName,
    string Name,
    string? Description,
    int Priority,
    int? ConcurrencyLimit,
    bool Paused,
    DateTimeOffset? LastPolled,
    ReadinessStatus Status,
    int SlotsInUse,
    int LateRuns);
