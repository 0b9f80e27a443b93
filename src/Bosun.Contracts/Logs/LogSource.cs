using System.Text.Json.Serialization;

namespace Bosun.Contracts.Logs;

/// <summary>Who wrote a log line.</summary>
[JsonConverter(typeof(NamedEnumConverter<LogSource>))]
public enum LogSource
{
    /// <summary>The flow's own code (ILogger or console).</summary>
    [JsonStringEnumMemberName("flow")] Flow,
    /// <summary>The worker that ran it.</summary>
    [JsonStringEnumMemberName("worker")] Worker,
    /// <summary>The infrastructure's output (process or container stdout/stderr).</summary>
    [JsonStringEnumMemberName("infrastructure")] Infrastructure,
    /// <summary>The server (state changes, crash detection).</summary>
    [JsonStringEnumMemberName("server")] Server,
}
