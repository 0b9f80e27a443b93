using System.Text.Json.Nodes;

namespace Bosun.Contracts.WorkPools;

/// <summary>Creates a work pool.</summary>
/// <param name="Name">Unique name; must not contain / % &amp; &lt; &gt;.</param>
/// <param name="Type">process, docker or kubernetes.</param>
/// <param name="Description">Free text.</param>
/// <param name="BaseJobTemplate">The base job template; the type's default when omitted.</param>
/// <param name="Paused">Create it paused.</param>
/// <param name="ConcurrencyLimit">Most runs in PENDING, RUNNING or CANCELLING at once; null for none.</param>
public sealed record WorkPoolCreate(
    string Name,
    string Type,
    string? Description = null,
    JsonObject? BaseJobTemplate = null,
    bool Paused = false,
    int? ConcurrencyLimit = null)
{
    /// <summary>The job-variable policy; null gives the type's defaults (<see cref="Templates.JobVariablePolicy.Defaults"/>), an empty one leaves every variable open.</summary>
    public IReadOnlyDictionary<string, JobVariableRule>? JobVariablePolicy { get; init; }
}
