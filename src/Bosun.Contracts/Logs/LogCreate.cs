using System.Text.Json.Serialization;

namespace Bosun.Contracts.Logs;

/// <summary>One log line to write.</summary>
/// <param name="FlowRunId">The run it belongs to.</param>
/// <param name="Timestamp">When it was written.</param>
/// <param name="Level">Severity.</param>
/// <param name="Message">The text.</param>
/// <param name="Source">Who wrote it.</param>
public sealed record LogCreate([property: JsonRequired] Guid FlowRunId, [property: JsonRequired] DateTimeOffset Timestamp, [property: JsonRequired] RunLogLevel Level, string Message, LogSource Source = LogSource.Flow)
{
    /// <summary>
    /// The longest message the server takes in one line, in UTF-16 characters (docs/logs.md): the API refuses a longer one
    /// with a 422, and the log shippers send a longer one as consecutive lines of at most this length.
    /// </summary>
    public const int MaxMessageLength = 64 * 1024;

    /// <summary>The W3C trace id (32 hex digits) of the span the line was written in, when it was written in one.</summary>
    public string? TraceId { get; init; }

    /// <summary>The W3C span id (16 hex digits) of that span.</summary>
    public string? SpanId { get; init; }

    /// <summary>The task run whose body wrote the line, when a task's body wrote it.</summary>
    public Guid? TaskRunId { get; init; }
}
