namespace Bosun.Contracts.WorkPools;

/// <summary>Creates a work queue in a pool.</summary>
/// <param name="Name">Unique within the pool.</param>
/// <param name="Description">Free text.</param>
/// <param name="Priority">1 is served first; a taken priority shifts the others down; omitted takes the first free number.</param>
/// <param name="ConcurrencyLimit">Most runs in flight from this queue, or null.</param>
/// <param name="Paused">Create it paused.</param>
public sealed record WorkQueueCreate(
    string Name,
    string? Description = null,
    int? Priority = null,
    int? ConcurrencyLimit = null,
    bool Paused = false);
