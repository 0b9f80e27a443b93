using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;

namespace Bosun.Sdk;

/// <summary>A deployment run started by <see cref="FlowContext.RunDeploymentAsync{T}"/> ended other than COMPLETED; <see cref="FlowRun"/> says how.</summary>
public sealed class FlowRunFailedException : Exception
{
    /// <summary>Creates the exception for <paramref name="flowRun"/>, as it ended.</summary>
    public FlowRunFailedException(FlowRun flowRun)
        : base($"Flow run '{flowRun?.Name}' ({flowRun?.Id}) of '{flowRun?.FlowName}/{flowRun?.DeploymentName}' ended {flowRun?.State.Type.ToWireName()}: {flowRun?.State.Message}")
    {
        ArgumentNullException.ThrowIfNull(flowRun);
        FlowRun = flowRun;
    }

    /// <summary>The run, in the state it ended in.</summary>
    public FlowRun FlowRun { get; }
}
