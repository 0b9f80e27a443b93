using Bosun.Contracts.WorkPools;

namespace Bosun.Server.Domain;

/// <summary>
/// Statuses are derived from stored timestamps when read (docs/behaviour.md §4), so they are never stale and need no
/// background job to keep them current.
/// </summary>
internal static class Statuses
{
    /// <summary>A queue or deployment is READY when polled within this window.</summary>
    public static readonly TimeSpan PollWindow = TimeSpan.FromSeconds(60);

    /// <summary>The heartbeat interval assumed when a worker announces none.</summary>
    public const int DefaultHeartbeatIntervalSeconds = 30;

    public static WorkerStatus WorkerStatus(DateTimeOffset lastHeartbeat, int intervalSeconds, DateTimeOffset now) =>
        now - lastHeartbeat <= TimeSpan.FromSeconds(3 * intervalSeconds) ? Contracts.WorkPools.WorkerStatus.Online : Contracts.WorkPools.WorkerStatus.Offline;

    public static ReadinessStatus QueueStatus(bool paused, DateTimeOffset? lastPolled, DateTimeOffset now) =>
        paused ? ReadinessStatus.Paused : DeploymentStatus(lastPolled, now);

    public static ReadinessStatus DeploymentStatus(DateTimeOffset? lastPolled, DateTimeOffset now) =>
        lastPolled is { } polled && now - polled <= PollWindow ? ReadinessStatus.Ready : ReadinessStatus.NotReady;
}
