using System.Text.Json.Serialization;

namespace Bosun.Contracts.States;

/// <summary>The type of a flow run's state. Terminal types are COMPLETED, FAILED, CANCELLED and CRASHED.</summary>
[JsonConverter(typeof(NamedEnumConverter<StateType>))]
public enum StateType
{
    /// <summary>Waiting for its scheduled time or for a worker.</summary>
    [JsonStringEnumMemberName("SCHEDULED")] Scheduled,
    /// <summary>Claimed by a worker; infrastructure is being created.</summary>
    [JsonStringEnumMemberName("PENDING")] Pending,
    /// <summary>The flow is executing.</summary>
    [JsonStringEnumMemberName("RUNNING")] Running,
    /// <summary>The flow finished successfully.</summary>
    [JsonStringEnumMemberName("COMPLETED")] Completed,
    /// <summary>The flow raised an error.</summary>
    [JsonStringEnumMemberName("FAILED")] Failed,
    /// <summary>Cancellation was requested; the infrastructure is being stopped.</summary>
    [JsonStringEnumMemberName("CANCELLING")] Cancelling,
    /// <summary>The run was cancelled.</summary>
    [JsonStringEnumMemberName("CANCELLED")] Cancelled,
    /// <summary>The infrastructure ended without the flow reporting a final state.</summary>
    [JsonStringEnumMemberName("CRASHED")] Crashed,
    /// <summary>The run is paused.</summary>
    [JsonStringEnumMemberName("PAUSED")] Paused,
}
