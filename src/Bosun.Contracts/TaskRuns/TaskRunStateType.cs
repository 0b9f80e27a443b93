using System.Text.Json.Serialization;

namespace Bosun.Contracts.TaskRuns;

/// <summary>The state of a task run. Final states are COMPLETED, CACHED, FAILED and TIMED_OUT.</summary>
[JsonConverter(typeof(NamedEnumConverter<TaskRunStateType>))]
public enum TaskRunStateType
{
    /// <summary>Called; its body has not started (a cache lookup may be under way).</summary>
    [JsonStringEnumMemberName("PENDING")] Pending,
    /// <summary>Its body is executing.</summary>
    [JsonStringEnumMemberName("RUNNING")] Running,
    /// <summary>Its body returned.</summary>
    [JsonStringEnumMemberName("COMPLETED")] Completed,
    /// <summary>Its body threw on its last attempt.</summary>
    [JsonStringEnumMemberName("FAILED")] Failed,
    /// <summary>A result cached by an earlier run of the same task with the same inputs was returned; the body did not run.</summary>
    [JsonStringEnumMemberName("CACHED")] Cached,
    /// <summary>An attempt failed; the next one starts after the retry delay.</summary>
    [JsonStringEnumMemberName("RETRYING")] Retrying,
    /// <summary>Its last attempt ran past the task's timeout: its token fired and the attempt was abandoned.</summary>
    [JsonStringEnumMemberName("TIMED_OUT")] TimedOut,
}
