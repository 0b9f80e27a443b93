using Bosun.Contracts.Deployments;
using Bosun.Contracts.States;
using Bosun.Server.Domain;

namespace Bosun.Server.Tests;

/// <summary>Every rule of docs/behaviour.md §2, table-driven against the one function that decides transitions.</summary>
public sealed class StateRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    public sealed record Case(
        string Rule,
        StateType Current,
        string CurrentName,
        StateType Proposed,
        string? ProposedName,
        SetStateStatus Expected,
        StateType? Written,
        string? WrittenName = null,
        string? ReasonFragment = null,
        bool HasDeployment = true,
        int RunCount = 1,
        int Retries = 0,
        int? DeploymentLimit = null,
        int DeploymentInUse = 0,
        CollisionStrategy Strategy = CollisionStrategy.Enqueue,
        DateTimeOffset? CurrentScheduledTime = null,
        int CrashRetries = 0,
        int CrashRetryCount = 0,
        int ResumeCount = 0)
    {
        public override string ToString() => Rule;
    }

    public static TheoryData<Case> Cases()
    {
        var cases = new List<Case>
        {
            // Out of a terminal state: no CANCELLING, PAUSED or CRASHED.
            new("COMPLETED -> CRASHED aborts (late crash report is harmless)", StateType.Completed, "Completed", StateType.Crashed, null, SetStateStatus.Abort, null, ReasonFragment: "terminal"),
            new("FAILED -> CANCELLING aborts", StateType.Failed, "Failed", StateType.Cancelling, null, SetStateStatus.Abort, null, ReasonFragment: "terminal"),
            new("CANCELLED -> PAUSED aborts", StateType.Cancelled, "Cancelled", StateType.Paused, null, SetStateStatus.Abort, null, ReasonFragment: "terminal"),
            new("CRASHED -> RUNNING aborts", StateType.Crashed, "Crashed", StateType.Running, null, SetStateStatus.Abort, null, ReasonFragment: "terminal"),
            new("COMPLETED -> COMPLETED aborts", StateType.Completed, "Completed", StateType.Completed, null, SetStateStatus.Abort, null, ReasonFragment: "terminal"),
            // Terminal -> SCHEDULED (manual retry) only for runs with a deployment.
            new("FAILED -> SCHEDULED with a deployment is a manual retry", StateType.Failed, "Failed", StateType.Scheduled, null, SetStateStatus.Accept, StateType.Scheduled, "Scheduled"),
            new("CRASHED -> SCHEDULED without a deployment aborts", StateType.Crashed, "Crashed", StateType.Scheduled, null, SetStateStatus.Abort, null, ReasonFragment: "deployment", HasDeployment: false),
            // CANCELLING may only become CANCELLED.
            new("CANCELLING -> CANCELLED accepted", StateType.Cancelling, "Cancelling", StateType.Cancelled, null, SetStateStatus.Accept, StateType.Cancelled),
            new("CANCELLING -> COMPLETED aborts", StateType.Cancelling, "Cancelling", StateType.Completed, null, SetStateStatus.Abort, null, ReasonFragment: "CANCELLED"),
            new("CANCELLING -> RUNNING aborts", StateType.Cancelling, "Cancelling", StateType.Running, null, SetStateStatus.Abort, null, ReasonFragment: "CANCELLED"),
            new("CANCELLING -> PENDING aborts", StateType.Cancelling, "Cancelling", StateType.Pending, null, SetStateStatus.Abort, null),
            // Cancelling a SCHEDULED run (no infrastructure) makes it CANCELLED at once.
            new("SCHEDULED -> CANCELLING becomes CANCELLED", StateType.Scheduled, "Scheduled", StateType.Cancelling, null, SetStateStatus.Reject, StateType.Cancelled, ReasonFragment: "at once"),
            new("RUNNING -> CANCELLING accepted", StateType.Running, "Running", StateType.Cancelling, null, SetStateStatus.Accept, StateType.Cancelling),
            new("PENDING -> CANCELLING accepted (the worker stops what it started)", StateType.Pending, "Pending", StateType.Cancelling, null, SetStateStatus.Accept, StateType.Cancelling),
            // -> PENDING: second claimant loses, except Pending -> Submitting.
            new("PENDING -> PENDING aborts (second claimant)", StateType.Pending, "Pending", StateType.Pending, null, SetStateStatus.Abort, null, ReasonFragment: "already PENDING"),
            new("Pending -> Submitting accepted", StateType.Pending, "Pending", StateType.Pending, "Submitting", SetStateStatus.Accept, StateType.Pending, "Submitting"),
            new("Submitting -> Submitting aborts", StateType.Pending, "Submitting", StateType.Pending, "Submitting", SetStateStatus.Abort, null),
            new("RUNNING -> PENDING aborts", StateType.Running, "Running", StateType.Pending, null, SetStateStatus.Abort, null, ReasonFragment: "RUNNING"),
            new("CANCELLED -> PENDING aborts", StateType.Cancelled, "Cancelled", StateType.Pending, null, SetStateStatus.Abort, null),
            new("SCHEDULED -> PENDING accepted", StateType.Scheduled, "Scheduled", StateType.Pending, null, SetStateStatus.Accept, StateType.Pending, "Pending"),
            new("Late -> PENDING accepted (late runs stay deliverable)", StateType.Scheduled, "Late", StateType.Pending, null, SetStateStatus.Accept, StateType.Pending),
            // -> RUNNING before the scheduled time waits.
            new("SCHEDULED -> RUNNING before its time waits", StateType.Scheduled, "Scheduled", StateType.Running, null, SetStateStatus.Wait, null, ReasonFragment: "scheduled", CurrentScheduledTime: Now.AddMinutes(5)),
            new("PENDING (prefetched) -> RUNNING before its time waits", StateType.Pending, "Pending", StateType.Running, null, SetStateStatus.Wait, null, CurrentScheduledTime: Now.AddSeconds(8)),
            new("PENDING -> RUNNING when due accepted", StateType.Pending, "Submitting", StateType.Running, null, SetStateStatus.Accept, StateType.Running, CurrentScheduledTime: Now.AddSeconds(-1)),
            new("AwaitingRetry -> RUNNING when due accepted", StateType.Scheduled, "AwaitingRetry", StateType.Running, null, SetStateStatus.Accept, StateType.Running, CurrentScheduledTime: Now),
            // RUNNING -> FAILED with retries left becomes AwaitingRetry.
            new("RUNNING -> FAILED with retries left becomes AwaitingRetry", StateType.Running, "Running", StateType.Failed, null, SetStateStatus.Reject, StateType.Scheduled, "AwaitingRetry", "retry 1 of 2", RunCount: 1, Retries: 2),
            new("RUNNING -> FAILED on the last attempt fails", StateType.Running, "Running", StateType.Failed, null, SetStateStatus.Accept, StateType.Failed, RunCount: 3, Retries: 2),
            new("RUNNING -> COMPLETED accepted", StateType.Running, "Running", StateType.Completed, null, SetStateStatus.Accept, StateType.Completed),
            new("RUNNING -> CRASHED accepted", StateType.Running, "Running", StateType.Crashed, null, SetStateStatus.Accept, StateType.Crashed),
            new("RUNNING -> PAUSED accepted", StateType.Running, "Running", StateType.Paused, null, SetStateStatus.Accept, StateType.Paused),
            new("PAUSED -> RUNNING accepted", StateType.Paused, "Paused", StateType.Running, null, SetStateStatus.Accept, StateType.Running),
            new("PAUSED -> CANCELLING becomes CANCELLED", StateType.Paused, "Paused", StateType.Cancelling, null, SetStateStatus.Reject, StateType.Cancelled),
            // Deployment concurrency at -> PENDING.
            new("deployment full, ENQUEUE -> AwaitingConcurrencySlot", StateType.Scheduled, "Scheduled", StateType.Pending, null, SetStateStatus.Reject, StateType.Scheduled, "AwaitingConcurrencySlot", "limit 1", DeploymentLimit: 1, DeploymentInUse: 1),
            new("deployment full, CANCEL_NEW -> CANCELLED", StateType.Scheduled, "Scheduled", StateType.Pending, null, SetStateStatus.Reject, StateType.Cancelled, ReasonFragment: "CANCEL_NEW", DeploymentLimit: 2, DeploymentInUse: 2, Strategy: CollisionStrategy.CancelNew),
            new("deployment with a free slot -> PENDING", StateType.Scheduled, "Scheduled", StateType.Pending, null, SetStateStatus.Accept, StateType.Pending, DeploymentLimit: 2, DeploymentInUse: 1),
            // Timeouts: a run stopped by its timeout ends FAILED TimedOut, whoever reports it stopped.
            new("TimingOut -> CANCELLED becomes FAILED TimedOut", StateType.Cancelling, "TimingOut", StateType.Cancelled, null, SetStateStatus.Reject, StateType.Failed, "TimedOut", "timeout"),
            new("TimingOut -> COMPLETED aborts (only CANCELLED follows CANCELLING)", StateType.Cancelling, "TimingOut", StateType.Completed, null, SetStateStatus.Abort, null, ReasonFragment: "CANCELLED"),
            new("RUNNING -> CANCELLING TimingOut accepted", StateType.Running, "Running", StateType.Cancelling, "TimingOut", SetStateStatus.Accept, StateType.Cancelling, "TimingOut"),
            // Crash retries: a CRASHED run with crash retries left starts again on fresh infrastructure.
            new("RUNNING -> CRASHED with crash retries left becomes AwaitingCrashRetry", StateType.Running, "Running", StateType.Crashed, null, SetStateStatus.Reject, StateType.Scheduled, "AwaitingCrashRetry", "crash retry 1 of 2", CrashRetries: 2),
            new("PENDING -> CRASHED (failed to submit) with crash retries left is retried", StateType.Pending, "Submitting", StateType.Crashed, null, SetStateStatus.Reject, StateType.Scheduled, "AwaitingCrashRetry", "crash retry 2 of 2", CrashRetries: 2, CrashRetryCount: 1),
            new("RUNNING -> CRASHED with crash retries used up crashes", StateType.Running, "Running", StateType.Crashed, null, SetStateStatus.Accept, StateType.Crashed, CrashRetries: 2, CrashRetryCount: 2),
            new("AwaitingRetry -> CRASHED (its process died) with crash retries left is retried", StateType.Scheduled, "AwaitingRetry", StateType.Crashed, null, SetStateStatus.Reject, StateType.Scheduled, "AwaitingCrashRetry", CrashRetries: 1),
            new("CANCELLING -> CRASHED aborts even with crash retries left", StateType.Cancelling, "Cancelling", StateType.Crashed, null, SetStateStatus.Abort, null, CrashRetries: 1),
            new("RUNNING -> FAILED on the second attempt after a crash retry still has its own retry", StateType.Running, "Running", StateType.Failed, null, SetStateStatus.Reject, StateType.Scheduled, "AwaitingRetry",
                RunCount: 2, Retries: 1, CrashRetries: 1, CrashRetryCount: 1),
            new("RUNNING -> FAILED on the attempt after a resume from a suspension still has its retry", StateType.Running, "Running", StateType.Failed, null, SetStateStatus.Reject, StateType.Scheduled, "AwaitingRetry",
                "retry 1 of 1", RunCount: 2, Retries: 1, ResumeCount: 1),
            new("RUNNING -> FAILED after a resume with the retry used up fails", StateType.Running, "Running", StateType.Failed, null, SetStateStatus.Accept, StateType.Failed,
                RunCount: 3, Retries: 1, ResumeCount: 1),
            new("deployment limit 0 delivers nothing", StateType.Scheduled, "Scheduled", StateType.Pending, null, SetStateStatus.Reject, StateType.Scheduled, "AwaitingConcurrencySlot", DeploymentLimit: 0, DeploymentInUse: 0),
        };
        var data = new TheoryData<Case>();
        foreach (var item in cases)
        {
            data.Add(item);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decide_Table_AnswersAsSpecified(Case c)
    {
        var current = new FlowRunState(Guid.NewGuid(), c.Current, c.CurrentName, null, Now.AddMinutes(-1), c.CurrentScheduledTime);
        var run = new RunSnapshot(current, c.HasDeployment, null, c.RunCount, c.Retries, 10, c.DeploymentLimit, c.Strategy, c.DeploymentInUse)
        {
            CrashRetries = c.CrashRetries,
            CrashRetryCount = c.CrashRetryCount,
            ResumeCount = c.ResumeCount,
            CrashRetryDelaySeconds = 5,
        };

        var decision = StateRules.Decide(run, new StateProposal(c.Proposed, c.ProposedName), Now);

        Assert.Equal(c.Expected, decision.Status);
        Assert.Equal(c.Written, decision.StateToWrite?.Type);
        if (c.WrittenName is not null)
        {
            Assert.Equal(c.WrittenName, decision.StateToWrite?.Name);
        }

        if (c.ReasonFragment is not null)
        {
            Assert.Contains(c.ReasonFragment, decision.Reason, StringComparison.OrdinalIgnoreCase);
        }

        if (decision.Status is SetStateStatus.Abort or SetStateStatus.Wait)
        {
            Assert.Null(decision.StateToWrite);
            Assert.False(string.IsNullOrEmpty(decision.Reason));
        }
    }

    [Fact]
    public void Decide_DuplicateTransitionId_ReturnsCurrentWithoutWriting()
    {
        var current = new FlowRunState(Guid.NewGuid(), StateType.Running, "Running", null, Now);
        var run = new RunSnapshot(current, true, null, 1, 0, 0);

        var decision = StateRules.Decide(run, new StateProposal(StateType.Running, TransitionId: current.Id), Now);

        Assert.Equal(SetStateStatus.Accept, decision.Status);
        Assert.Null(decision.StateToWrite);
    }

    /// <summary>
    /// A RUNNING proposal before the run's due time is told to wait exactly what is left: thirty seconds, or three
    /// milliseconds for a proposal whose timer fired a little early (not a floor of tens of milliseconds that would make
    /// the run start that much late).
    /// </summary>
    [Theory]
    [InlineData(StateType.Scheduled, 30_000, 1)]
    [InlineData(StateType.Pending, 3, 4)]
    public void Decide_RunningBeforeScheduledTime_WaitsWhatIsLeft(StateType type, int msLeft, int precision)
    {
        var current = new FlowRunState(Guid.NewGuid(), type, type.ToString(), null, Now, Now.AddMilliseconds(msLeft));

        var decision = StateRules.Decide(new RunSnapshot(current, true, null, 0, 0, 0), new StateProposal(StateType.Running), Now);

        Assert.Equal(SetStateStatus.Wait, decision.Status);
        Assert.Equal(msLeft / 1000.0, decision.RetryAfterSeconds!.Value, precision: precision);
    }

    [Fact]
    public void Decide_RetryDelay_SchedulesRetryAfterTheDelay()
    {
        var current = new FlowRunState(Guid.NewGuid(), StateType.Running, "Running", null, Now);

        var decision = StateRules.Decide(new RunSnapshot(current, true, null, 1, 3, 10), new StateProposal(StateType.Failed, Message: "boom"), Now);

        Assert.Equal(Now.AddSeconds(10), decision.StateToWrite!.ScheduledTime);
        Assert.Equal("boom", decision.StateToWrite.Message);
    }

    [Fact]
    public void Decide_Force_SkipsTheRules()
    {
        var current = new FlowRunState(Guid.NewGuid(), StateType.Completed, "Completed", null, Now);

        var decision = StateRules.Decide(new RunSnapshot(current, true, null, 1, 0, 0), new StateProposal(StateType.Crashed, Force: true), Now);

        Assert.Equal(SetStateStatus.Accept, decision.Status);
        Assert.Equal(StateType.Crashed, decision.StateToWrite!.Type);
    }
}
