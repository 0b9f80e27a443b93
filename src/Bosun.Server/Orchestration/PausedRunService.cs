using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Server.Storage;
using Microsoft.Extensions.Options;

namespace Bosun.Server.Orchestration;

/// <summary>
/// The server's side of pauses (docs/tasks.md): a PAUSED run whose pause's timeout passed ends FAILED even when its flow's
/// process is gone, and a run resumed while its limits were full moves to RUNNING as soon as one of their slots frees.
/// </summary>
internal sealed class PausedRunService(
    BosunDatabase database, RunSignals runSignals, TimeProvider timeProvider, IOptions<BosunServerOptions> options, ILogger<PausedRunService> logger, Leadership leadership, IHostApplicationLifetime lifetime)
    : PeriodicStoreService(timeProvider, options, logger, leadership, lifetime)
{
    /// <summary>
    /// How long past a pause's timeout the server waits before it ends the run itself. A flow whose process is alive ends
    /// the run at the timeout with its own error (the flow's <see cref="TimeoutException"/>, which it may also catch); the
    /// server is the backstop for a process that is gone, and must not win that race on a busy machine.
    /// </summary>
    public static readonly TimeSpan TimeoutGrace = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Takes a slot for a PAUSED run being resumed: RUNNING when its pool, queue and deployment have one free, otherwise
    /// PAUSED "AwaitingConcurrencySlot" (its waiting reason names the full limit and who holds it) until this service
    /// finds one. A paused run held no slot, so a resume is a start as far as the limits go.
    /// </summary>
    public static async Task<TransitionOutcome> TakeSlotAsync(WriteScope scope, FlowRunRow row, DateTimeOffset now, Guid? transitionId, CancellationToken cancellationToken)
    {
        var full = await PausedRunStore.LockFullLimitAsync(scope, row, cancellationToken);
        var proposal = full is { } limit
            ? new StateProposal(StateType.Paused, StateNames.AwaitingConcurrencySlot, $"resumed: waiting for a slot of its {Describe(limit)}, whose concurrency limit is reached",
                TransitionId: transitionId)
            : new StateProposal(StateType.Running, Message: row.State.Name == StateNames.AwaitingConcurrencySlot ? "resumed: a concurrency slot is free" : "resumed",
                TransitionId: transitionId);
        return await FlowRunStore.TransitionAsync(scope, row, proposal, now, expectedType: StateType.Paused, cancellationToken: cancellationToken);
    }

    private static string Describe(SlotScope scope) => scope switch
    {
        SlotScope.WorkPool => "work pool",
        SlotScope.WorkQueue => "work queue",
        _ => "deployment",
    };

    public override async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = TimeProvider.GetUtcNow();
        var changed = await database.WriteAsync(async scope =>
        {
            var moved = new List<Guid>();
            var timedOut = await PausedRunStore.TimedOutAsync(scope, now - TimeoutGrace, cancellationToken);
            var awaitingSlot = await PausedRunStore.AwaitingSlotAsync(scope, cancellationToken);
            await FlowRunStore.LockInIdOrderAsync(scope, timedOut.Select(run => run.Id).Concat(awaitingSlot), cancellationToken);
            foreach (var (id, name, timeout) in timedOut)
            {
                var message = $"paused and never resumed: the pause's timeout passed at {StoredValues.Time(timeout):O}";
                if (await ServerMoves.MoveAsync(scope, id, new StateProposal(StateType.Failed, StateNames.TimedOut, message), StateType.Paused, now,
                    _ => (RunLogLevel.Error, $"The run was {message}."), cancellationToken) is not null)
                {
                    Log.PauseTimedOut(Logger, name, id);
                    moved.Add(id);
                }
            }

            foreach (var id in awaitingSlot)
            {
                if (await FlowRunStore.GetAsync(scope.Connection, id, scope.Transaction, cancellationToken) is { State.Type: StateType.Paused } row
                    && (await TakeSlotAsync(scope, row, now, null, cancellationToken)).Result is { Status: SetStateStatus.Accept, State.Type: StateType.Running })
                {
                    moved.Add(id);
                }
            }

            return moved;
        }, cancellationToken);
        ServerMoves.Notify(runSignals, changed);
        return changed.Count;
    }
}
