namespace Bosun.Server.Storage;

/// <summary>A task-run report as <see cref="TaskRunStore.UpsertAsync"/> writes it: times as Unix ms, state by name, result placed.</summary>
internal sealed record StoredTaskRunReport(
    Guid Id, Guid FlowRunId, string TaskName, long Seq, string State, int Attempts, long? StartTime, long? EndTime, string? Message,
    string? CacheKey, long? CacheExpiration, string? Result, string? ResultRef, long? ResultSize)
{
    public long Now { get; init; }

    /// <summary>The serializer that wrote the result; null for JSON.</summary>
    public string? ResultSerializer { get; init; }
}
