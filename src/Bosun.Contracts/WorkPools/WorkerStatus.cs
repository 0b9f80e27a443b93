using System.Text.Json.Serialization;

namespace Bosun.Contracts.WorkPools;

/// <summary>A worker is ONLINE while its last heartbeat is within three of its announced intervals.</summary>
[JsonConverter(typeof(NamedEnumConverter<WorkerStatus>))]
public enum WorkerStatus
{
    /// <summary>Heartbeat seen recently.</summary>
    [JsonStringEnumMemberName("ONLINE")] Online,
    /// <summary>No heartbeat for three intervals.</summary>
    [JsonStringEnumMemberName("OFFLINE")] Offline,
}
