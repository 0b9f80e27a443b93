using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Server.Storage;
using Microsoft.Extensions.Options;

namespace Bosun.Server.Orchestration;

/// <summary>
/// Zombie detection (spec §6, Bosun): a RUNNING run whose flow-run process stopped heartbeating — its worker or
/// machine died — becomes CRASHED, through the rules, so retries and slots work as for any crash. Runs that never
/// heartbeat (plain commands) are left alone: their worker reports their exit.
/// </summary>
internal sealed class ZombieRunService(
    BosunDatabase database, ClaimSignal claimSignal, TimeProvider timeProvider, IOptions<BosunServerOptions> options, ILogger<ZombieRunService> logger, Leadership leadership)
    : PeriodicStoreService(timeProvider, options, logger, leadership)
{
    public override async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = TimeProvider.GetUtcNow();
        var timeout = Options.RunHeartbeatTimeout;
        var crashed = await database.WriteAsync(async scope =>
        {
            var zombies = await FlowRunStore.SilentSinceAsync(scope, now - timeout, cancellationToken);
            var changed = new List<Guid>();
            foreach (var id in zombies)
            {
                var message = $"the flow-run process stopped heartbeating for more than {timeout.TotalSeconds:0} s (its worker or machine died)";
                var outcome = await FlowRunStore.TryTransitionAsync(scope, id, new StateProposal(StateType.Crashed, Message: message),
                    now, expectedType: StateType.Running, cancellationToken: cancellationToken);
                if (outcome?.Result.Status == SetStateStatus.Accept)
                {
                    await LogStore.InsertAsync(scope, [new LogCreate(id, now, RunLogLevel.Error, $"Run marked CRASHED: {message}.", LogSource.Server)], cancellationToken);
                    changed.Add(id);
                }
            }

            return changed;
        }, cancellationToken);
        foreach (var id in crashed)
        {
            Log.MarkedZombie(Logger, id);
        }

        if (crashed.Count > 0)
        {
            claimSignal.Notify();
        }

        return crashed.Count;
    }
}
