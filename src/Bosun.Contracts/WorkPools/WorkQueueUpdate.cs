namespace Bosun.Contracts.WorkPools;

/// <summary>Changes a work queue; omitted (null) fields keep their values.</summary>
/// <param name="Description">New description.</param>
/// <param name="Priority">New priority (≥ 1); a taken priority shifts the others down.</param>
public sealed record WorkQueueUpdate(string? Description = null, int? Priority = null);
