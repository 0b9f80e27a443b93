namespace Bosun.Server.Domain;

/// <summary>How long the holders of a run may be silent, and since when the server could hear them.</summary>
/// <param name="HeartbeatTimeout">A flow-run process that heartbeats is gone once its heartbeat is this old.</param>
/// <param name="WorkerTimeout">A claimant is gone once it has been silent this long (and for three of its heartbeat intervals).</param>
/// <param name="LateRunThreshold">A run re-queued this long after its time is Late at once.</param>
/// <param name="ListeningSince">
/// Since when this server has been able to hear heartbeats (its start, or the end of a database outage): nobody can
/// have been silent for longer than the server has listened.
/// </param>
internal sealed record SignsOfLife(TimeSpan HeartbeatTimeout, TimeSpan WorkerTimeout, TimeSpan LateRunThreshold, DateTimeOffset ListeningSince);
