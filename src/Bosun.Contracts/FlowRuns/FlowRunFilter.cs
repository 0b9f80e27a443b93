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
/// <param name="Offset">Rows to skip (0 with a <see cref="Cursor"/>); deep offsets are slow on a large store: follow the cursor instead.</param>
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
    Guid? ParentFlowRunId = null)
{
    /// <summary>
    /// Where to continue: the <see cref="Page{T}.NextCursor"/> of the previous page. Pages by the position of the last run
    /// seen, so any page costs what the first one does; a page asked for with a cursor is not counted
    /// (<see cref="Page{T}.Total"/> is -1).
    /// </summary>
    public string? Cursor { get; init; }

    /// <summary>
    /// Whether a first page counts the runs that match (<see cref="Page{T}.Total"/>, up to the server's count limit, past
    /// which <see cref="Page{T}.TotalIsLowerBound"/> is set); false answers -1 without counting.
    /// </summary>
    public bool IncludeTotal { get; init; } = true;

    /// <summary>
    /// Runs claimed by the worker (or serving process) of this name: what it holds, or held when the run ended. A worker
    /// lists its own PENDING and RUNNING runs this way, one short page however many runs the pool has.
    /// </summary>
    public string? WorkerName { get; init; }
}
