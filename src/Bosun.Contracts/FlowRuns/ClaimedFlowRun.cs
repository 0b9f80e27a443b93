using Bosun.Contracts.Deployments;

namespace Bosun.Contracts.FlowRuns;

/// <summary>One claimed run with what a worker needs to start it.</summary>
/// <param name="FlowRun">The run, now PENDING.</param>
/// <param name="Deployment">Its deployment.</param>
public sealed record ClaimedFlowRun(FlowRun FlowRun, Deployment Deployment);
