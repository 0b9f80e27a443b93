using Bosun.Contracts.States;

namespace Bosun.Contracts.FlowRuns;

/// <summary>Which runs to list. All fields are optional and combine with AND.</summary>
/// <param name="States">Any of these state types.</param>
/// <param name="DeploymentId">Runs of this deployment.</param>
/// <param name="FlowName">Runs of this flow.</param>
/// <param name="WorkPoolName">Runs delivered from this pool.</param>
/// <param name="WorkQueueName">Runs on this queue (with the pool).</param>
/// <param name="ExpectedStartAfter">Expected start at or after.</param>
/// <param name="ExpectedStartBefore">Expected start before.</param>
/// <param name="Search">Part of the run's name.</param>
/// <param name="Offset">Rows to skip.</param>
/// <param name="Limit">Rows to return (at most 500).</param>
/// <param name="ParentFlowRunId">Runs started by this run (its subflows and the deployment runs it started).</param>
public sealed record FlowRunFilter(
    IReadOnlyList<StateType>? States = null,
    Guid? DeploymentId = null,
    string? FlowName = null,
    string? WorkPoolName = null,
    string? WorkQueueName = null,
    DateTimeOffset? ExpectedStartAfter = null,
    DateTimeOffset? ExpectedStartBefore = null,
    string? Search = null,
    int Offset = 0,
    int Limit = 100,
    Guid? ParentFlowRunId = null);
