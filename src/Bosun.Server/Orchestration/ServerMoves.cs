using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Server.Storage;

namespace Bosun.Server.Orchestration;

/// <summary>
/// A state the server proposes on its own: a sweep's (abandoned runs, timeouts, pauses) or a claim's that was answered to
/// no one. It goes through the guarded transition, expecting the run as it was read; when a state is written, the run's
/// log says why in one line, in the same write. The caller tells the run's watchers once that write is committed
/// (<see cref="Notify"/>).
/// </summary>
internal static class ServerMoves
{
    /// <summary>
    /// Proposes <paramref name="proposal"/> to run <paramref name="runId"/>, which must still be
    /// <paramref name="expectedType"/>, and logs <paramref name="line"/>'s line for the state written.
    /// </summary>
    /// <returns>
    /// The state written, or null when none was (the run is gone or moved on, or the rules aborted the proposal). It may
    /// differ from the proposal: the rules REJECT a proposal by writing another state (a crash the deployment retries is
    /// scheduled again).
    /// </returns>
    public static async Task<FlowRunState?> MoveAsync(WriteScope scope, Guid runId, StateProposal proposal, StateType expectedType, DateTimeOffset now,
        Func<FlowRunState, (RunLogLevel Level, string Message)> line, CancellationToken cancellationToken)
    {
        var outcome = await FlowRunStore.TryTransitionAsync(scope, runId, proposal, now, expectedType: expectedType, cancellationToken: cancellationToken);
        if (outcome?.Result is not { Status: SetStateStatus.Accept or SetStateStatus.Reject, State: { } written })
        {
            return null;
        }

        var (level, message) = line(written);
        await LogStore.InsertAsync(scope, [new LogCreate(runId, now, level, message, LogSource.Server)], cancellationToken);
        return written;
    }

    /// <summary>Tells the open pages and log followers of each moved run (committed) of its new state and the server's line.</summary>
    public static void Notify(RunSignals runSignals, IEnumerable<Guid> moved)
    {
        foreach (var id in moved)
        {
            runSignals.Notify(id, RunChange.State | RunChange.Lines);
        }
    }
}
