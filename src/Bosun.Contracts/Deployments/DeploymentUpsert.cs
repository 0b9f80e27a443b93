using System.Text.Json.Nodes;

namespace Bosun.Contracts.Deployments;

/// <summary>Creates or updates the deployment (flow name, name).</summary>
/// <param name="FlowName">The flow; created when new.</param>
/// <param name="Name">Deployment name, unique per flow.</param>
/// <param name="Entrypoint">How a flow-run process finds the flow (assembly and flow name, or a command).</param>
/// <param name="Parameters">Default parameter values.</param>
/// <param name="ParameterSchema">JSON Schema of the parameters; run parameters are validated against it.</param>
/// <param name="WorkPoolName">The pool its runs go to; null for a served deployment.</param>
/// <param name="WorkQueueName">The queue within the pool; the pool's default queue when null.</param>
/// <param name="JobVariables">Overrides of the pool's job variable defaults.</param>
/// <param name="Tags">Tags copied onto its runs.</param>
/// <param name="Description">Free text.</param>
/// <param name="Version">The version of the code deployed.</param>
/// <param name="Paused">Paused deployments get no scheduled runs.</param>
/// <param name="ConcurrencyLimit">Most of its runs in flight at once, or null.</param>
/// <param name="CollisionStrategy">What happens to a run over the limit.</param>
/// <param name="Retries">How many times a failed run is retried (runs may override).</param>
/// <param name="RetryDelaySeconds">Seconds between retries.</param>
/// <param name="Schedules">The deployment's schedules; replaces the existing ones (and their future runs) when given, keeps them when null.</param>
/// <param name="CatchUp">What happens to scheduled runs missed during downtime.</param>
/// <param name="TimeoutSeconds">Longest a run may stay RUNNING (each attempt) before it is stopped and ends FAILED "TimedOut"; null for no limit (a run may set its own).</param>
/// <param name="CrashRetries">How many times a CRASHED run (infrastructure lost, zombie, worker shut down) is scheduled again as a new attempt on fresh infrastructure.</param>
/// <param name="CrashRetryDelaySeconds">Seconds between a crash and its new attempt.</param>
public sealed record DeploymentUpsert(
    string FlowName,
    string Name,
    string? Entrypoint = null,
    JsonObject? Parameters = null,
    JsonObject? ParameterSchema = null,
    string? WorkPoolName = null,
    string? WorkQueueName = null,
    JsonObject? JobVariables = null,
    IReadOnlyList<string>? Tags = null,
    string? Description = null,
    string? Version = null,
    bool Paused = false,
    int? ConcurrencyLimit = null,
    CollisionStrategy CollisionStrategy = CollisionStrategy.Enqueue,
    int Retries = 0,
    int RetryDelaySeconds = 0,
    IReadOnlyList<Schedules.ScheduleSpec>? Schedules = null,
    Schedules.CatchUpPolicy CatchUp = Schedules.CatchUpPolicy.All,
    int? TimeoutSeconds = null,
    int CrashRetries = 0,
    int CrashRetryDelaySeconds = 0)
{
    /// <summary>Steps its worker runs before starting each run (<see cref="Deployment.PullSteps"/>); null for none.</summary>
    public JsonArray? PullSteps { get; init; }

    /// <summary>
    /// Longest a run may wait after its scheduled time (each attempt) without reaching RUNNING before
    /// <see cref="StartTimeoutAction"/> applies; null for no limit (a run may set its own).
    /// </summary>
    public int? StartTimeoutSeconds { get; init; }

    /// <summary>What happens to a run past its start timeout: FAIL (the default), CANCEL or LEAVE_LATE.</summary>
    public StartTimeoutAction? StartTimeoutAction { get; init; }
}
