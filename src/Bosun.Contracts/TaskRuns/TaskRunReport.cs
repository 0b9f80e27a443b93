using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Bosun.Contracts.TaskRuns;

/// <summary>
/// A task run as the flow-run process knows it after one transition. Reports are sent in batches; the server keeps, per
/// task run, the report with the highest <paramref name="Sequence"/>, so a batch sent twice or out of order changes nothing.
/// </summary>
/// <param name="Id">The task run's id, chosen by the flow-run process.</param>
/// <param name="FlowRunId">The flow run it belongs to.</param>
/// <param name="TaskName">The task's name (from its attribute).</param>
/// <param name="Sequence">Increases with every transition of this task run.</param>
/// <param name="State">The state it has just entered.</param>
/// <param name="Attempts">Attempts started so far.</param>
/// <param name="StartTime">When its first attempt started (or when the cached result was found).</param>
/// <param name="EndTime">When it reached a final state.</param>
/// <param name="Message">Why: the exception of a failed attempt, the timeout, the cache entry used.</param>
/// <param name="CacheKey">The cache key of its inputs, when the task is cached.</param>
/// <param name="CacheExpiration">Until when its result may be reused by other runs.</param>
/// <param name="Result">Its return value as JSON (with <paramref name="HasResult"/>; JSON null is a null value).</param>
/// <param name="HasResult">Whether this report carries a result (a COMPLETED task that returns a value).</param>
public sealed record TaskRunReport(
    [property: JsonRequired] Guid Id,
    [property: JsonRequired] Guid FlowRunId,
    string TaskName,
    [property: JsonRequired] long Sequence,
    [property: JsonRequired] TaskRunStateType State,
    [property: JsonRequired] int Attempts,
    DateTimeOffset? StartTime = null,
    DateTimeOffset? EndTime = null,
    string? Message = null,
    string? CacheKey = null,
    DateTimeOffset? CacheExpiration = null,
    JsonNode? Result = null,
    bool HasResult = false)
{
    /// <summary>The serializer that wrote <see cref="Result"/> (<c>json</c> when absent).</summary>
    public string? ResultSerializer { get; init; }
}
