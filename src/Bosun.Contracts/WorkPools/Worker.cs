namespace Bosun.Contracts.WorkPools;

/// <summary>A worker of a pool.</summary>
/// <param name="Id">Server id.</param>
/// <param name="WorkPoolName">Its pool.</param>
/// <param name="Name">Unique within the pool.</param>
/// <param name="Type">Its type.</param>
/// <param name="LastHeartbeat">Its last heartbeat or claim.</param>
/// <param name="HeartbeatIntervalSeconds">Announced heartbeat interval.</param>
/// <param name="Status">ONLINE or OFFLINE.</param>
/// <param name="Created">First seen.</param>
public sealed record Worker(
    Guid Id,
    string WorkPoolName,
    string Name,
    string? Type,
    DateTimeOffset LastHeartbeat,
    int HeartbeatIntervalSeconds,
    WorkerStatus Status,
    DateTimeOffset Created);
