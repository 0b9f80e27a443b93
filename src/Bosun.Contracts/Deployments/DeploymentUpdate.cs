using System.Text.Json.Nodes;

namespace Bosun.Contracts.Deployments;

/// <summary>
/// Changes some fields of a deployment (<c>PATCH /api/deployments/{id}</c>): a field left out (null) stays as it is;
/// <paramref name="Clear"/> names fields to empty. Its future auto-scheduled runs are made again with the new values.
/// </summary>
/// <param name="WorkQueueName">Another queue of its pool: its new runs go there, and only workers polling it claim them.</param>
/// <param name="Parameters">New default parameter values (all of them), checked against the parameter schema.</param>
/// <param name="JobVariables">New job variables (all of them), checked against the pool's base job template. A secret sent back masked keeps its value.</param>
/// <param name="Tags">New tags.</param>
/// <param name="Description">New description.</param>
/// <param name="Version">New version.</param>
/// <param name="ConcurrencyLimit">New limit of runs in flight (0 or more).</param>
/// <param name="CollisionStrategy">What happens to a run over the limit.</param>
/// <param name="CatchUp">What happens to scheduled runs missed during an outage.</param>
/// <param name="Paused">Pause (no scheduled runs) or resume.</param>
/// <param name="Retries">Retries of a failed run.</param>
/// <param name="RetryDelaySeconds">Seconds between retries.</param>
/// <param name="Clear">Fields to empty: any of description, version, concurrency_limit, tags, parameters, job_variables, pull_steps, timeout_seconds, start_timeout_seconds.</param>
public sealed record DeploymentUpdate(
    string? WorkQueueName = null,
    JsonObject? Parameters = null,
    JsonObject? JobVariables = null,
    IReadOnlyList<string>? Tags = null,
    string? Description = null,
    string? Version = null,
    int? ConcurrencyLimit = null,
    CollisionStrategy? CollisionStrategy = null,
    Schedules.CatchUpPolicy? CatchUp = null,
    bool? Paused = null,
    int? Retries = null,
    int? RetryDelaySeconds = null,
    IReadOnlyList<string>? Clear = null)
{
    /// <summary>The field names <see cref="Clear"/> accepts.</summary>
    public static IReadOnlyList<string> ClearableFields { get; } =
        ["description", "version", "concurrency_limit", "tags", "parameters", "job_variables", "pull_steps", "timeout_seconds", "start_timeout_seconds"];

    /// <summary>A new command (or flow entrypoint) its runs start with.</summary>
    public string? Entrypoint { get; init; }

    /// <summary>New pull steps (all of them; <see cref="Deployment.PullSteps"/>).</summary>
    public JsonArray? PullSteps { get; init; }

    /// <summary>A new longest time its runs may stay RUNNING (1 or more seconds; clear <c>timeout_seconds</c> for none).</summary>
    public int? TimeoutSeconds { get; init; }

    /// <summary>How many times a CRASHED run of it is scheduled again on fresh infrastructure (0 or more).</summary>
    public int? CrashRetries { get; init; }

    /// <summary>Seconds before such a new attempt starts (0 or more).</summary>
    public int? CrashRetryDelaySeconds { get; init; }

    /// <summary>A new longest wait of its runs for RUNNING after their scheduled time (1 or more seconds; clear <c>start_timeout_seconds</c> for none).</summary>
    public int? StartTimeoutSeconds { get; init; }

    /// <summary>What happens to a run past its start timeout.</summary>
    public StartTimeoutAction? StartTimeoutAction { get; init; }
}
