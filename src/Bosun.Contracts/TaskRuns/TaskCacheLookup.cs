namespace Bosun.Contracts.TaskRuns;

/// <summary>A cache hit: the newest unexpired result recorded under a cache key (a miss is 404).</summary>
/// <param name="TaskRunId">The task run that produced it.</param>
/// <param name="ResultJson">The result as JSON text.</param>
/// <param name="CacheExpiration">Until when it may be reused.</param>
public sealed record TaskCacheLookup(Guid TaskRunId, string ResultJson, DateTimeOffset CacheExpiration)
{
    /// <summary>The serializer that wrote the result (<c>json</c> unless the task chose another).</summary>
    public string Serializer { get; init; } = "json";
}
