namespace Bosun.Contracts.Logs;

/// <summary>One log line to write.</summary>
/// <param name="FlowRunId">The run it belongs to.</param>
/// <param name="Timestamp">When it was written.</param>
/// <param name="Level">Severity.</param>
/// <param name="Message">The text.</param>
/// <param name="Source">Who wrote it.</param>
public sealed record LogCreate(Guid FlowRunId, DateTimeOffset Timestamp, RunLogLevel Level, string Message, LogSource Source = LogSource.Flow)
{
    /// <summary>The task run whose body wrote the line, when a task's body wrote it.</summary>
    public Guid? TaskRunId { get; init; }
}
