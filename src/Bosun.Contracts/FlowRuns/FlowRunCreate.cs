using System.Text.Json.Nodes;

namespace Bosun.Contracts.FlowRuns;

/// <summary>Creates a run of a deployment.</summary>
/// <param name="Parameters">Parameter values; merged over the deployment's defaults and validated against its schema.</param>
/// <param name="JobVariables">Run-level job variable overrides; validated against the pool's variables (required keys enforced).</param>
/// <param name="Tags">Extra tags, added to the deployment's.</param>
/// <param name="ScheduledStartTime">When the run is due; now when omitted.</param>
/// <param name="IdempotencyKey">A key unique per flow: creating again with the same key returns the existing run.</param>
/// <param name="Name">A run name; generated when omitted.</param>
/// <param name="WorkQueueName">A queue of the deployment's pool other than its own.</param>
/// <param name="Retries">How many times a failed run is retried.</param>
/// <param name="RetryDelaySeconds">Seconds between retries.</param>
/// <param name="TimeoutSeconds">Longest the run may stay RUNNING before it ends FAILED "TimedOut"; the deployment's when omitted.</param>
/// <param name="ParentFlowRunId">The run starting this one (RunDeploymentAsync): the new run is its child, cancelled with it.</param>
public sealed record FlowRunCreate(
    JsonObject? Parameters = null,
    JsonObject? JobVariables = null,
    IReadOnlyList<string>? Tags = null,
    DateTimeOffset? ScheduledStartTime = null,
    string? IdempotencyKey = null,
    string? Name = null,
    string? WorkQueueName = null,
    int? Retries = null,
    int? RetryDelaySeconds = null,
    int? TimeoutSeconds = null,
    Guid? ParentFlowRunId = null)
{
    /// <summary>Longest the run may wait after its scheduled time without reaching RUNNING; the deployment's when omitted.</summary>
    public int? StartTimeoutSeconds { get; init; }

    /// <summary>What happens to it past its start timeout; the deployment's when omitted.</summary>
    public Deployments.StartTimeoutAction? StartTimeoutAction { get; init; }
}
