namespace Bosun.Contracts.Logs;

/// <summary>A stored log line.</summary>
/// <param name="Id">Increasing sequence number; pass the last one seen as <c>after</c> to read on.</param>
/// <param name="FlowRunId">The run.</param>
/// <param name="Timestamp">When it was written.</param>
/// <param name="Level">Severity.</param>
/// <param name="Message">The text.</param>
/// <param name="Source">Who wrote it.</param>
public sealed record LogEntry(long Id, Guid FlowRunId, DateTimeOffset Timestamp, RunLogLevel Level, string Message, LogSource Source)
{
    /// <summary>The W3C trace id of the span the line was written in, when known.</summary>
    public string? TraceId { get; init; }

    /// <summary>The W3C span id of that span, when known.</summary>
    public string? SpanId { get; init; }

    /// <summary>The task run whose body wrote the line; null for the flow's own lines and the server's and worker's.</summary>
    public Guid? TaskRunId { get; init; }
}
