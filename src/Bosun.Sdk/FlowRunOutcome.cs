namespace Bosun.Sdk;

/// <summary>How a flow run ended in this process.</summary>
internal enum FlowRunOutcome
{
    /// <summary>The server refused to start it (ABORT, or already finished or cancelled).</summary>
    NotRun,
    /// <summary>The flow returned; the run is COMPLETED.</summary>
    Completed,
    /// <summary>The flow threw on its last attempt; the run is FAILED.</summary>
    Failed,
    /// <summary>The flow stopped because the run was cancelled or the process asked to stop.</summary>
    Cancelled,
    /// <summary>The flow suspended the run (PAUSED "Suspended"): the process may exit, and a resume starts the run again.</summary>
    Suspended,
}
