using System.Text.Json.Nodes;

namespace Bosun.Contracts.WorkPools;

/// <summary>Changes a work pool; omitted (null) fields keep their values. Limits and pausing have their own routes.</summary>
/// <param name="Description">New description.</param>
/// <param name="BaseJobTemplate">New base job template, validated as on creation.</param>
public sealed record WorkPoolUpdate(string? Description = null, JsonObject? BaseJobTemplate = null);
