using System.Text.Json.Nodes;

namespace Bosun.Contracts.WorkPools;

/// <summary>Changes a work pool; omitted (null) fields keep their values. Limits and pausing have their own routes.</summary>
/// <param name="Description">New description.</param>
/// <param name="BaseJobTemplate">New base job template, validated as on creation.</param>
public sealed record WorkPoolUpdate(string? Description = null, JsonObject? BaseJobTemplate = null)
{
    /// <summary>A new job-variable policy, replacing the whole old one; null keeps it.</summary>
    public IReadOnlyDictionary<string, JobVariableRule>? JobVariablePolicy { get; init; }
}
