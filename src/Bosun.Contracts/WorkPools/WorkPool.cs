using System.Text.Json.Nodes;

namespace Bosun.Contracts.WorkPools;

/// <summary>A work pool as the API returns it.</summary>
/// <param name="Id">Server id.</param>
/// <param name="Name">Unique name.</param>
/// <param name="Type">process, docker or kubernetes.</param>
/// <param name="Description">Free text.</param>
/// <param name="BaseJobTemplate">The base job template: job_configuration and variables.</param>
/// <param name="Paused">Paused pools deliver nothing.</param>
/// <param name="ConcurrencyLimit">Most runs in flight at once, or null.</param>
/// <param name="Status">READY when a worker is online, NOT_READY otherwise, PAUSED when paused.</param>
/// <param name="SlotsInUse">Runs in PENDING, RUNNING or CANCELLING.</param>
/// <param name="QueueCount">Number of work queues.</param>
/// <param name="OnlineWorkers">Number of ONLINE workers.</param>
/// <param name="Created">Creation time.</param>
/// <param name="Updated">Last change.</param>
public sealed record WorkPool(
    Guid Id,
    string Name,
    string Type,
    string? Description,
    JsonObject BaseJobTemplate,
    bool Paused,
    int? ConcurrencyLimit,
    ReadinessStatus Status,
    int SlotsInUse,
    int QueueCount,
    int OnlineWorkers,
    DateTimeOffset Created,
    DateTimeOffset Updated)
{
    /// <summary>The pool's job-variable policy: variable name to rule; variables not named are open. Null on a pool created before policies existed (all open).</summary>
    public IReadOnlyDictionary<string, JobVariableRule>? JobVariablePolicy { get; init; }
}
