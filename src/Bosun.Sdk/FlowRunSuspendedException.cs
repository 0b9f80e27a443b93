namespace Bosun.Sdk;

/// <summary>
/// Thrown by <see cref="FlowContext.SuspendAsync{T}"/> once the run is suspended: it unwinds the flow so that its process
/// exits. Let it pass: a flow that catches every exception must rethrow this one.
/// </summary>
public sealed class FlowRunSuspendedException : Exception
{
    /// <summary>Creates the exception for a suspended run.</summary>
    /// <param name="flowRunId">The suspended run.</param>
    /// <param name="key">The suspension's key.</param>
    public FlowRunSuspendedException(Guid flowRunId, string key)
        : base($"Flow run {flowRunId} is suspended ('{key}'): it runs again from the start when resumed.")
    {
        FlowRunId = flowRunId;
        Key = key;
    }

    /// <summary>The suspended run.</summary>
    public Guid FlowRunId { get; }

    /// <summary>The suspension's key.</summary>
    public string Key { get; }
}
