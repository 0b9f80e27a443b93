using Bosun.Contracts.Deployments;
using Bosun.Contracts.States;

namespace Bosun.Server.Domain;

/// <summary>
/// The orchestration rules of docs/behaviour.md §2 as one pure function: current run + proposal → verdict. The store reads the
/// run under its write lock, asks this, then writes what it answers; nothing else changes a run's state.
/// </summary>
internal static class StateRules
{
    public static StateDecision Decide(RunSnapshot run, StateProposal proposal, DateTimeOffset now)
    {
        var current = run.Current;
        var proposedName = string.IsNullOrWhiteSpace(proposal.Name) ? StateNames.Default(proposal.Type) : proposal.Name;
        // The state a proposal writes carries its transition id, so a retried proposal finds it (in history, or as the current state).
        var stateId = proposal.TransitionId ?? Guid.NewGuid();
        FlowRunState Proposed(DateTimeOffset? scheduled = null) =>
            new(stateId, proposal.Type, proposedName, proposal.Message, now, scheduled);

        if (proposal.TransitionId is { } transitionId && transitionId == current.Id)
        {
            return new(SetStateStatus.Accept, null, "duplicate proposal: the run is already in this state");
        }

        if (proposal.Force)
        {
            return new(SetStateStatus.Accept, Proposed(ScheduledTimeFor(proposal, current, now)));
        }

        if (current.Type.IsTerminal())
        {
            if (proposal.Type == StateType.Scheduled)
            {
                return run.HasDeployment
                    ? new(SetStateStatus.Accept, Proposed(proposal.ScheduledTime ?? now))
                    : Abort(current, "only runs of a deployment can be retried: nothing would start this run again");
            }

            return Abort(current, $"run is already in terminal state {current.Type.ToWireName()}");
        }

        if (current.Type == StateType.Cancelling && proposal.Type != StateType.Cancelled)
        {
            return Abort(current, "run is being cancelled: only CANCELLED may follow CANCELLING");
        }

        if (current is { Type: StateType.Cancelling, Name: StateNames.TimingOut })
        {
            // Whoever saw the stopped run end (its flow, its worker, the server's sweep) reports CANCELLED; the run did not
            // stop because someone cancelled it, so it ends as what the timeout made of it.
            return new(
                SetStateStatus.Reject,
                new FlowRunState(stateId, StateType.Failed, StateNames.TimedOut, current.Message, now),
                "the run was stopped by its timeout: it ends FAILED (TimedOut)");
        }

        if (current is { Type: StateType.Cancelling, Name: StateNames.StartTimingOut })
        {
            // As above: the run was stopped because it did not start in time, and ends as its start-timeout action says.
            return new(
                SetStateStatus.Reject,
                new FlowRunState(stateId, run.StartTimeoutAction == StartTimeoutAction.Cancel ? StateType.Cancelled : StateType.Failed,
                    StateNames.StartTimedOut, current.Message, now),
                "the run was stopped by its start timeout: it ends as its start-timeout action says (StartTimedOut)");
        }

        switch (proposal.Type)
        {
            case StateType.Cancelling when current.Type is StateType.Scheduled or StateType.Paused:
                return new(
                    SetStateStatus.Reject,
                    new FlowRunState(stateId, StateType.Cancelled, StateNames.Default(StateType.Cancelled),
                        proposal.Message ?? "cancelled before it started", now),
                    "run had no infrastructure yet: cancelled at once");

            case StateType.Pending:
                return DecidePending(run, proposedName, stateId, now, Proposed);

            case StateType.Running:
                var due = current.ScheduledTime;
                if (current.Type is StateType.Scheduled or StateType.Pending && due is { } dueTime && dueTime > now)
                {
                    // Exactly what is left (at least a millisecond): a proposal a few milliseconds early must not wait longer.
                    return new(SetStateStatus.Wait, null, $"run is scheduled for {dueTime:O}",
                        Math.Max(0.001, (dueTime - now).TotalSeconds));
                }

                return new(SetStateStatus.Accept, Proposed());

            case StateType.Crashed when run.CrashRetryCount < run.CrashRetries:
                var attemptAt = now.AddSeconds(run.CrashRetryDelaySeconds);
                return new(
                    SetStateStatus.Reject,
                    new FlowRunState(stateId, StateType.Scheduled, StateNames.AwaitingCrashRetry,
                        $"crashed: {proposal.Message}; new attempt {run.CrashRetryCount + 1} of {run.CrashRetries} at {attemptAt:O} on fresh infrastructure", now, attemptAt),
                    $"crash retry {run.CrashRetryCount + 1} of {run.CrashRetries}: the run starts again at {attemptAt:O}");

            // Attempts started by crash retries, or by a resume from a suspension, do not use up the flow's own retries,
            // which are for its exceptions.
            case StateType.Failed when current.Type == StateType.Running && run.RetryAttempts <= run.Retries:
                var retryAt = now.AddSeconds(run.RetryDelaySeconds);
                return new(
                    SetStateStatus.Reject,
                    new FlowRunState(stateId, StateType.Scheduled, StateNames.AwaitingRetry,
                        proposal.Message, now, retryAt),
                    $"retry {run.RetryAttempts} of {run.Retries}: run is awaiting retry at {retryAt:O}");

            case StateType.Scheduled:
                return new(SetStateStatus.Accept, Proposed(proposal.ScheduledTime ?? now));

            default:
                return new(SetStateStatus.Accept, Proposed());
        }
    }

    private static StateDecision DecidePending(
        RunSnapshot run, string proposedName, Guid stateId, DateTimeOffset now, Func<DateTimeOffset?, FlowRunState> proposed)
    {
        var current = run.Current;
        if (current.Type == StateType.Pending)
        {
            return current.Name == StateNames.Pending && proposedName == StateNames.Submitting
                ? new(SetStateStatus.Accept, proposed(current.ScheduledTime))
                : Abort(current, "run is already PENDING: another worker claimed it");
        }

        if (current.Type is StateType.Running)
        {
            return Abort(current, "run is already RUNNING");
        }

        if (run.DeploymentConcurrencyLimit is { } limit && run.DeploymentSlotsInUse >= limit)
        {
            return run.CollisionStrategy == CollisionStrategy.CancelNew
                ? new(SetStateStatus.Reject,
                    new FlowRunState(stateId, StateType.Cancelled, StateNames.Default(StateType.Cancelled),
                        $"deployment concurrency limit {limit} reached (collision strategy CANCEL_NEW)", now),
                    $"deployment limit {limit} reached: run cancelled (CANCEL_NEW)")
                : new(SetStateStatus.Reject,
                    // The run keeps its due time: it is claimable again (in its original order) as soon as a slot frees.
                    new FlowRunState(stateId, StateType.Scheduled, StateNames.AwaitingConcurrencySlot,
                        $"deployment concurrency limit {limit} reached", now, current.ScheduledTime ?? now),
                    $"deployment limit {limit} reached: run waits for a slot");
        }

        return new(SetStateStatus.Accept, proposed(current.ScheduledTime ?? now));
    }

    private static DateTimeOffset? ScheduledTimeFor(StateProposal proposal, FlowRunState current, DateTimeOffset now) =>
        proposal.Type switch
        {
            StateType.Scheduled => proposal.ScheduledTime ?? now,
            StateType.Pending => current.ScheduledTime,
            _ => null,
        };

    private static StateDecision Abort(FlowRunState current, string reason) => new(SetStateStatus.Abort, null, reason);
}
