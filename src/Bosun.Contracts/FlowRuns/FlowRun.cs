using System.Text.Json.Nodes;
using Bosun.Contracts.States;

namespace Bosun.Contracts.FlowRuns;

/// <summary>A flow run with everything the server knows of it.</summary>
/// <param name="Id">Server id.</param>
/// <param name="Name">Readable generated name.</param>
/// <param name="FlowName">Its flow.</param>
/// <param name="DeploymentId">Its deployment, if any.</param>
/// <param name="DeploymentName">Its deployment's name, if any.</param>
/// <param name="WorkPoolName">The pool it is delivered from.</param>
/// <param name="WorkQueueName">The queue it was placed on.</param>
/// <param name="Parameters">The parameters it runs with (deployment defaults merged with the run's).</param>
/// <param name="JobVariables">Run-level job variable overrides only (never the merged result).</param>
/// <param name="Tags">Tags.</param>
/// <param name="State">Current state.</param>
/// <param name="ExpectedStartTime">When it was first due.</param>
/// <param name="NextScheduledStartTime">While SCHEDULED: when it is due.</param>
/// <param name="StartTime">First time it entered RUNNING.</param>
/// <param name="EndTime">When it entered a terminal state.</param>
/// <param name="TotalRunTimeSeconds">Seconds spent RUNNING.</param>
/// <param name="RunCount">Times it entered RUNNING.</param>
/// <param name="InfrastructureId">Process id, container id or job name.</param>
/// <param name="WorkerName">The worker that claimed it.</param>
/// <param name="IdempotencyKey">Its idempotency key.</param>
/// <param name="Retries">Retries allowed.</param>
/// <param name="RetryDelaySeconds">Delay between retries.</param>
/// <param name="LastHeartbeat">Last heartbeat of the flow-run process.</param>
/// <param name="WaitingReason">While not running: why (pool paused, queue at its limit, no worker online, scheduled later).</param>
/// <param name="Created">Creation time.</param>
/// <param name="Updated">Last change.</param>
/// <param name="ParentFlowRunId">The run that started this one (a subflow, or a deployment run started by RunDeploymentAsync); null for a top-level run.</param>
/// <param name="ParentTaskRunId">The parent's task run that made the call, when it was made inside a task.</param>
/// <param name="PauseInputSchema">While PAUSED: the JSON Schema of the input a resume must carry, if the flow asked for one.</param>
/// <param name="PauseTimeout">While PAUSED: when the flow stops waiting and the run fails.</param>
/// <param name="ResumeInput">The input of its last resume.</param>
public sealed record FlowRun(
    Guid Id,
    string Name,
    string FlowName,
    Guid? DeploymentId,
    string? DeploymentName,
    string? WorkPoolName,
    string? WorkQueueName,
    JsonObject Parameters,
    JsonObject JobVariables,
    IReadOnlyList<string> Tags,
    FlowRunState State,
    DateTimeOffset ExpectedStartTime,
    DateTimeOffset? NextScheduledStartTime,
    DateTimeOffset? StartTime,
    DateTimeOffset? EndTime,
    double TotalRunTimeSeconds,
    int RunCount,
    string? InfrastructureId,
    string? WorkerName,
    string? IdempotencyKey,
    int Retries,
    int RetryDelaySeconds,
    DateTimeOffset? LastHeartbeat,
    string? WaitingReason,
    DateTimeOffset Created,
    DateTimeOffset Updated,
    Guid? ParentFlowRunId = null,
    Guid? ParentTaskRunId = null,
    JsonObject? PauseInputSchema = null,
    DateTimeOffset? PauseTimeout = null,
    JsonObject? ResumeInput = null)
{
    /// <summary>Longest it may wait after its scheduled time without reaching RUNNING, or null.</summary>
    public int? StartTimeoutSeconds { get; init; }

    /// <summary>What happens to it past its start timeout.</summary>
    public Deployments.StartTimeoutAction? StartTimeoutAction { get; init; }

    /// <summary>
    /// The W3C traceparent of the run's trace, created with the run: its worker and its flow process (the
    /// <c>TRACEPARENT</c> environment variable) put their spans into this trace.
    /// </summary>
    public string? Traceparent { get; init; }

    /// <summary>
    /// The inputs its suspensions were resumed with, by suspension key (<c>FlowContext.SuspendAsync</c>): the re-run flow
    /// reads its input here when it reaches the same suspension again. Null when it was never resumed from a suspension.
    /// </summary>
    public JsonObject? SuspendInputs { get; init; }
}
