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
    /// <summary>The W3C trace id (32 hex digits) of the span the line was written in, when it was written in one.</summary>
    public string? TraceId { get; init; }

    /// <summary>The W3C span id (16 hex digits) of that span.</summary>
    public string? SpanId { get; init; }

    /// <summary>The task run whose body wrote the line, when a task's body wrote it.</summary>
    public Guid? TaskRunId { get; init; }
}
