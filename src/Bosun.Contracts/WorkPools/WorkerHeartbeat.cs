namespace Bosun.Contracts.WorkPools;

/// <summary>A worker's heartbeat; creates the worker on first call.</summary>
/// <param name="Name">Unique within the pool.</param>
/// <param name="Type">The worker's type (process, docker, kubernetes).</param>
/// <param name="HeartbeatIntervalSeconds">How often it will heartbeat; it is OFFLINE after three missed beats.</param>
public sealed record WorkerHeartbeat(string Name, string? Type = null, int? HeartbeatIntervalSeconds = null);
