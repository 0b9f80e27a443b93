using Bosun.Contracts.States;

namespace Bosun.Contracts.FlowRuns;

/// <summary>A flow run in a listing: no parameters or job variables.</summary>
/// <param name="Id">Server id.</param>
/// <param name="Name">Readable name.</param>
/// <param name="FlowName">Its flow.</param>
/// <param name="DeploymentName">Its deployment, if any.</param>
/// <param name="WorkPoolName">Its pool.</param>
/// <param name="WorkQueueName">Its queue.</param>
/// <param name="State">Current state.</param>
/// <param name="ExpectedStartTime">When it was first due.</param>
/// <param name="StartTime">First RUNNING.</param>
/// <param name="EndTime">Terminal time.</param>
/// <param name="TotalRunTimeSeconds">Seconds RUNNING.</param>
/// <param name="WorkerName">Claiming worker.</param>
/// <param name="Tags">Tags.</param>
/// <param name="ParentFlowRunId">The run that started this one, if any.</param>
public sealed record FlowRunSummary(
    Guid Id,
    string Name,
    string FlowName,
    string? DeploymentName,
    string? WorkPoolName,
    string? WorkQueueName,
    FlowRunState State,
    DateTimeOffset ExpectedStartTime,
    DateTimeOffset? StartTime,
    DateTimeOffset? EndTime,
    double TotalRunTimeSeconds,
    string? WorkerName,
    IReadOnlyList<string> Tags,
    Guid? ParentFlowRunId = null);
