namespace Bosun.Contracts.TaskRuns;

/// <summary>A task run as the server recorded it (its result is read separately).</summary>
/// <param name="Id">Its id.</param>
/// <param name="FlowRunId">The flow run it belongs to.</param>
/// <param name="TaskName">The task's name.</param>
/// <param name="State">Its state.</param>
/// <param name="Attempts">Attempts started.</param>
/// <param name="StartTime">When its first attempt started.</param>
/// <param name="EndTime">When it reached a final state.</param>
/// <param name="Message">The exception of the last failed attempt, the timeout, or the cache entry used.</param>
/// <param name="CacheKey">Its cache key, when the task is cached.</param>
/// <param name="CacheExpiration">Until when its result may be reused.</param>
/// <param name="HasResult">Whether a result was recorded (read it at <c>/task_runs/{id}/result</c>).</param>
/// <param name="Created">When the server first heard of it.</param>
/// <param name="Updated">When the server last heard of it.</param>
public sealed record TaskRun(
    Guid Id,
    Guid FlowRunId,
    string TaskName,
    TaskRunStateType State,
    int Attempts,
    DateTimeOffset? StartTime,
    DateTimeOffset? EndTime,
    string? Message,
    string? CacheKey,
    DateTimeOffset? CacheExpiration,
    bool HasResult,
    DateTimeOffset Created,
    DateTimeOffset Updated);
