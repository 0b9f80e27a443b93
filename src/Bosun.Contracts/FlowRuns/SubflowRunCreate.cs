using System.Text.Json.Nodes;

namespace Bosun.Contracts.FlowRuns;

/// <summary>
/// Records a subflow: a flow method called by a running flow, executed in the parent's process. The child run is created
/// PENDING (its process is the parent's, already running), linked to the parent, and reports its own states.
/// </summary>
/// <param name="FlowName">The called flow's name (the flow is registered if the server has not seen it).</param>
/// <param name="Parameters">The arguments of the call, by parameter name.</param>
/// <param name="ParentTaskRunId">The parent's task run that made the call, when made inside a task.</param>
/// <param name="Name">A run name; generated when omitted.</param>
public sealed record SubflowRunCreate(
    string FlowName,
    JsonObject? Parameters = null,
    Guid? ParentTaskRunId = null,
    string? Name = null);
