namespace Bosun.Contracts.States;

/// <summary>The well-known state names (sub-states).</summary>
public static class StateNames
{
    /// <summary>The default name of a SCHEDULED state.</summary>
    public const string Scheduled = "Scheduled";
    /// <summary>A SCHEDULED run still waiting 15 s after its time.</summary>
    public const string Late = "Late";
    /// <summary>A SCHEDULED run waiting to be retried by its own process; workers never claim it.</summary>
    public const string AwaitingRetry = "AwaitingRetry";
    /// <summary>A SCHEDULED run waiting for a deployment concurrency slot.</summary>
    public const string AwaitingConcurrencySlot = "AwaitingConcurrencySlot";
    /// <summary>
    /// A PAUSED run that suspended itself (<c>FlowContext.SuspendAsync</c>): its process has exited and it holds no
    /// infrastructure; a resume schedules it again (<see cref="Resuming"/>).
    /// </summary>
    public const string Suspended = "Suspended";
    /// <summary>A SCHEDULED run resumed from a suspension: a worker starts it again, and its flow re-runs from the start.</summary>
    public const string Resuming = "Resuming";
    /// <summary>The default name of a PENDING state.</summary>
    public const string Pending = "Pending";
    /// <summary>A PENDING run whose worker is creating its infrastructure.</summary>
    public const string Submitting = "Submitting";
    /// <summary>A CANCELLED run its deployment's catch-up policy skipped: it was missed during an outage.</summary>
    public const string Skipped = "Skipped";

    /// <summary>A SCHEDULED run that crashed and waits for a new attempt on fresh infrastructure (its deployment's crash retries); workers claim it when due.</summary>
    public const string AwaitingCrashRetry = "AwaitingCrashRetry";
    /// <summary>A CANCELLING run whose timeout passed: its infrastructure is being stopped, and it ends FAILED <see cref="TimedOut"/>.</summary>
    public const string TimingOut = "TimingOut";
    /// <summary>A FAILED run stopped because it ran longer than its timeout.</summary>
    public const string TimedOut = "TimedOut";
    /// <summary>
    /// A CANCELLING run that was still PENDING when its start timeout passed: its infrastructure is being stopped, and it
    /// ends FAILED or CANCELLED <see cref="StartTimedOut"/> as its start-timeout action says.
    /// </summary>
    public const string StartTimingOut = "StartTimingOut";
    /// <summary>A FAILED or CANCELLED run that did not reach RUNNING within its start timeout of its scheduled time.</summary>
    public const string StartTimedOut = "StartTimedOut";

    /// <summary>The default name of a state type: its type in title case (RUNNING → Running).</summary>
    public static string Default(StateType type) => type.ToString();
}
