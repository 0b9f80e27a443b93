using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Server.Storage;
using Microsoft.Extensions.Options;

namespace Bosun.Server.Orchestration;

/// <summary>
/// Acts on runs that did not reach RUNNING within their start timeout of their scheduled time (docs/operations.md; Temporal's
/// schedule-to-start timeout): a SCHEDULED run ends FAILED or CANCELLED "StartTimedOut" at once, a PENDING one — whose
/// worker may be starting its infrastructure — goes to CANCELLING "StartTimingOut" so the worker stops it, and the CANCELLED
/// that follows ends it so; with LEAVE_LATE the run keeps waiting and says so. Each acts once per attempt, with the run's
/// waiting reason of that moment in its state message and a log line.
/// </summary>
internal sealed class StartTimeoutService(
    BosunDatabase database, RunSignals runSignals, TimeProvider timeProvider, IOptions<BosunServerOptions> options, ILogger<StartTimeoutService> logger, Leadership leadership, IHostApplicationLifetime lifetime)
    : PeriodicStoreService(timeProvider, options, logger, leadership, lifetime)
{
    public override async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = TimeProvider.GetUtcNow();
        // The waiting reasons are read first, outside the write: they are what kept each run from starting.
        var overdue = await database.ReadAsync(async connection =>
        {
            var found = new List<(FlowRunRow Run, string? Reason)>();
            foreach (var run in await FlowRunStore.StartTimedOutAsync(connection, now, cancellationToken))
            {
                found.Add((run, await WaitingReasons.ExplainAsync(connection, run, now, cancellationToken)));
            }

            return found;
        }, cancellationToken);
        if (overdue.Count == 0)
        {
            return 0;
        }

        var acted = await database.WriteAsync(async scope =>
        {
            var done = new List<(FlowRunRow Run, StartTimeoutAction Action)>();
            await FlowRunStore.LockInIdOrderAsync(scope, overdue.Select(found => found.Run.Id), cancellationToken);
            foreach (var (run, reason) in overdue)
            {
                var state = run.State;
                var scheduled = state.ScheduledTime ?? StoredValues.Time(run.ExpectedStartTime);
                var action = StartTimeouts.Parse(run.StartTimeoutAction);
                var message = $"not RUNNING within its start timeout of {run.StartTimeoutSeconds} s after {scheduled:u} " +
                    $"(start_timeout_action {EnumNames.Of(action)}); it was waiting: {reason ?? "(no reason known)"}";
                var proposal = (action, state.Type) switch
                {
                    (StartTimeoutAction.LeaveLate, StateType.Pending) => null,
                    (StartTimeoutAction.LeaveLate, _) => new StateProposal(StateType.Scheduled,
                        state.Name == StateNames.Scheduled ? StateNames.Late : state.Name, $"left late: {message}", ScheduledTime: scheduled),
                    (_, StateType.Pending) => new StateProposal(StateType.Cancelling, StateNames.StartTimingOut, message),
                    (StartTimeoutAction.Cancel, _) => new StateProposal(StateType.Cancelled, StateNames.StartTimedOut, message),
                    _ => new StateProposal(StateType.Failed, StateNames.StartTimedOut, message),
                };
                var level = action == StartTimeoutAction.LeaveLate ? RunLogLevel.Warning : RunLogLevel.Error;
                var line = $"The run was {message}.";
                if (proposal is null)
                {
                    // A PENDING run left late keeps its state; its log still says it is late, once.
                    await LogStore.InsertAsync(scope, [new LogCreate(run.Id, now, level, line, LogSource.Server)], cancellationToken);
                }
                else if (await ServerMoves.MoveAsync(scope, run.Id, proposal, state.Type, now, _ => (level, line), cancellationToken) is null)
                {
                    continue;
                }

                await FlowRunStore.MarkStartTimeoutFiredAsync(scope, run.Id, scheduled, cancellationToken);
                done.Add((run, action));
            }

            return done;
        }, cancellationToken);
        foreach (var (run, action) in acted)
        {
            Log.RunStartTimedOut(Logger, run.Name, run.Id, run.StartTimeoutSeconds ?? 0, EnumNames.Of(action));
        }

        ServerMoves.Notify(runSignals, acted.Select(done => done.Run.Id));

        return acted.Count;
    }
}
