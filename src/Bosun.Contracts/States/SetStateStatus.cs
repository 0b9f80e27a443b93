using System.Text.Json.Serialization;

namespace Bosun.Contracts.States;

/// <summary>The orchestration rules' answer to a state proposal.</summary>
[JsonConverter(typeof(NamedEnumConverter<SetStateStatus>))]
public enum SetStateStatus
{
    /// <summary>The proposed state was written.</summary>
    [JsonStringEnumMemberName("ACCEPT")] Accept,
    /// <summary>Another state was written instead (or the current one returned); see the reason.</summary>
    [JsonStringEnumMemberName("REJECT")] Reject,
    /// <summary>Nothing was written; propose again after the given number of seconds.</summary>
    [JsonStringEnumMemberName("WAIT")] Wait,
    /// <summary>The proposal was refused; the caller must stop what it was doing.</summary>
    [JsonStringEnumMemberName("ABORT")] Abort,
}
