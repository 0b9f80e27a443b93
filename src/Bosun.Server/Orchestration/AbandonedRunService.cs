using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Server.Domain;
using Bosun.Server.Storage;
using Microsoft.Extensions.Options;

namespace Bosun.Server.Orchestration;

/// <summary>
/// Every claimed run ends (docs/behaviour.md §6.4): runs holding a slot (PENDING, RUNNING, CANCELLING) whose holders
/// went silent — the flow-run process's heartbeat, the claiming worker's heartbeat or the serving process's poll — are
/// re-queued, CRASHED or CANCELLED as <see cref="AbandonedRuns"/> decides, through the guarded transition, each with a
/// line in the run's log; their slots free and waiting claims look again.
/// </summary>
internal sealed class AbandonedRunService(
    BosunDatabase database, ClaimSignal claimSignal, RunSignals runSignals, TimeProvider timeProvider, IOptions<BosunServerOptions> options, ILogger<AbandonedRunService> logger, Leadership leadership, IHostApplicationLifetime lifetime)
    : PeriodicStoreService(timeProvider, options, logger, leadership, lifetime)
{
    public override async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = TimeProvider.GetUtcNow();
        var limits = new SignsOfLife(Options.RunHeartbeatTimeout, Options.WorkerTimeout, Options.LateRunThreshold, ListeningSince ?? DateTimeOffset.MinValue);
        if (limits.ListeningSince > now - TimeSpan.FromTicks(Math.Min(limits.HeartbeatTimeout.Ticks, limits.WorkerTimeout.Ticks)))
        {
            // Not listened long enough for anyone to have been silent past a timeout.
            return 0;
        }

        var changed = await database.WriteAsync(async scope =>
        {
            var candidates = await FlowRunStore.PossiblyAbandonedAsync(scope, now - limits.HeartbeatTimeout, now - limits.WorkerTimeout, cancellationToken);
            var moves = new List<(Guid Id, string Name, StateType From, FlowRunState To)>();
            foreach (var candidate in candidates)
            {
                if (AbandonedRuns.Decide(candidate.ToDomain(), limits, now) is not { } proposal)
                {
                    continue;
                }

                // The state written may be another than proposed: a crash the deployment retries is scheduled again.
                if (await ServerMoves.MoveAsync(scope, candidate.Id, proposal, candidate.State, now,
                    to => (to.Type == StateType.Scheduled ? RunLogLevel.Warning : RunLogLevel.Error,
                        $"Run moved from {candidate.State.ToWireName()} to {to.Type.ToWireName()} by the server: {to.Message}."), cancellationToken) is { } to)
                {
                    moves.Add((candidate.Id, candidate.Name, candidate.State, to));
                }
            }

            return moves;
        }, cancellationToken);
        foreach (var (id, name, from, to) in changed)
        {
            Log.RunAbandoned(Logger, name, id, from.ToWireName(), to.Type.ToWireName(), to.Message ?? "");
        }

        // Its open pages show the new state and the server's line at once, and its log followers end.
        ServerMoves.Notify(runSignals, changed.Select(move => move.Id));

        if (changed.Count > 0)
        {
            claimSignal.NotifyAll();
        }

        return changed.Count;
    }
}
