using System.Text.Json.Serialization;

namespace Bosun.Contracts.Logs;

/// <summary>Severity of a log line.</summary>
[JsonConverter(typeof(NamedEnumConverter<RunLogLevel>))]
public enum RunLogLevel
{
    /// <summary>Detail for debugging.</summary>
    [JsonStringEnumMemberName("DEBUG")] Debug,
    /// <summary>Normal output.</summary>
    [JsonStringEnumMemberName("INFO")] Info,
    /// <summary>Something unexpected that did not stop the run.</summary>
    [JsonStringEnumMemberName("WARNING")] Warning,
    /// <summary>An error.</summary>
    [JsonStringEnumMemberName("ERROR")] Error,
    /// <summary>A failure that ends the run.</summary>
    [JsonStringEnumMemberName("CRITICAL")] Critical,
}
