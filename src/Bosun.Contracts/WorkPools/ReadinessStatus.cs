using System.Text.Json.Serialization;

namespace Bosun.Contracts.WorkPools;

/// <summary>Whether a work pool, work queue or deployment can deliver runs now.</summary>
[JsonConverter(typeof(NamedEnumConverter<ReadinessStatus>))]
public enum ReadinessStatus
{
    /// <summary>Pool: a worker is online. Queue or deployment: polled within the last 60 seconds.</summary>
    [JsonStringEnumMemberName("READY")] Ready,
    /// <summary>Nothing has polled recently.</summary>
    [JsonStringEnumMemberName("NOT_READY")] NotReady,
    /// <summary>Paused: nothing is delivered.</summary>
    [JsonStringEnumMemberName("PAUSED")] Paused,
}
