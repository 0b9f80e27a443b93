using System.Text.Json.Nodes;
using Bosun.Contracts.WorkPools;

namespace Bosun.Contracts.Deployments;

/// <summary>A deployment as the API returns it.</summary>
/// <param name="Id">Server id.</param>
/// <param name="FlowId">Its flow's id.</param>
/// <param name="FlowName">Its flow's name.</param>
/// <param name="Name">Its name, unique per flow; addressed as <c>flow/name</c>.</param>
/// <param name="Entrypoint">How a flow-run process finds the flow.</param>
/// <param name="Parameters">Default parameter values.</param>
/// <param name="ParameterSchema">JSON Schema of the parameters.</param>
/// <param name="WorkPoolName">Its pool, or null when served.</param>
/// <param name="WorkQueueName">Its queue, or null when served.</param>
/// <param name="JobVariables">Overrides of the pool's job variable defaults.</param>
/// <param name="Tags">Tags.</param>
/// <param name="Description">Free text.</param>
/// <param name="Version">Code version.</param>
/// <param name="Paused">Paused or not.</param>
/// <param name="ConcurrencyLimit">Most runs in flight, or null.</param>
/// <param name="CollisionStrategy">ENQUEUE or CANCEL_NEW.</param>
/// <param name="Status">READY when its queue or serving process polled within 60 s.</param>
/// <param name="LastPolled">When its queue or serving process last polled.</param>
/// <param name="Retries">Retries of a failed run.</param>
/// <param name="RetryDelaySeconds">Seconds between retries.</param>
/// <param name="Schedules">Its schedules.</param>
/// <param name="CatchUp">What happens to runs missed during downtime.</param>
/// <param name="SkippedRuns">Scheduled times skipped by the catch-up policy so far.</param>
/// <param name="LastSkippedTime">When times were last skipped.</param>
/// <param name="Created">Creation time.</param>
/// <param name="Updated">Last change.</param>
/// <param name="RecentSkippedRuns">The latest scheduled times its catch-up policy skipped (up to 20, newest first), with their runs.</param>
/// <param name="TimeoutSeconds">Longest a run may stay RUNNING before it ends FAILED "TimedOut", or null.</param>
/// <param name="CrashRetries">How many times a CRASHED run is scheduled again on fresh infrastructure.</param>
/// <param name="CrashRetryDelaySeconds">Seconds between a crash and its new attempt.</param>
public sealed record Deployment(
    Guid Id,
    Guid FlowId,
    string FlowName,
    string Name,
    string? Entrypoint,
    JsonObject Parameters,
    JsonObject? ParameterSchema,
    string? WorkPoolName,
    string? WorkQueueName,
    JsonObject JobVariables,
    IReadOnlyList<string> Tags,
    string? Description,
    string? Version,
    bool Paused,
    int? ConcurrencyLimit,
    CollisionStrategy CollisionStrategy,
    ReadinessStatus Status,
    DateTimeOffset? LastPolled,
    int Retries,
    int RetryDelaySeconds,
    IReadOnlyList<Schedules.DeploymentSchedule> Schedules,
    Schedules.CatchUpPolicy CatchUp,
    int SkippedRuns,
    DateTimeOffset? LastSkippedTime,
    DateTimeOffset Created,
    DateTimeOffset Updated,
    IReadOnlyList<Schedules.SkippedRun>? RecentSkippedRuns = null,
    int? TimeoutSeconds = null,
    int CrashRetries = 0,
    int CrashRetryDelaySeconds = 0)
{
    /// <summary>
    /// Steps its worker runs before starting each run (git clone, download, set working directory, dotnet publish…),
    /// each an object with one key naming the step (<see cref="PullStepTypes"/>); null or empty for none.
    /// </summary>
    public JsonArray? PullSteps { get; init; }

    /// <summary>Longest a run may wait after its scheduled time without reaching RUNNING, or null.</summary>
    public int? StartTimeoutSeconds { get; init; }

    /// <summary>What happens to a run past its start timeout (FAIL unless set).</summary>
    public StartTimeoutAction StartTimeoutAction { get; init; }

    /// <summary>The address <c>flow-name/deployment-name</c>.</summary>
    public string FullName => $"{FlowName}/{Name}";

    /// <summary>
    /// Job variables an admin exempted from the pool's policy for this deployment, with the values approved (secrets
    /// masked outside a claim); null when none.
    /// </summary>
    public JsonObject? PolicyExemptions { get; init; }
}
