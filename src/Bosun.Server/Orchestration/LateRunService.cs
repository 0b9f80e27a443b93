using Bosun.Contracts.States;
using Bosun.Server.Storage;
using Microsoft.Extensions.Options;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Orchestration;

/// <summary>Renames SCHEDULED runs still waiting <see cref="BosunServerOptions.LateRunThreshold"/> after their time to Late (still deliverable).</summary>
internal sealed class LateRunService(BosunDatabase database, TimeProvider timeProvider, IOptions<BosunServerOptions> options, ILogger<LateRunService> logger, Leadership leadership, IHostApplicationLifetime lifetime)
    : PeriodicStoreService(timeProvider, options, logger, leadership, lifetime)
{
    public override async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = TimeProvider.GetUtcNow();
        var marked = await database.WriteAsync(async scope =>
        {
            var late = await FlowRunStore.OverdueAsync(scope, now - Options.LateRunThreshold, cancellationToken);
            await FlowRunStore.LockInIdOrderAsync(scope, late.Select(run => run.Id), cancellationToken);
            var count = 0;
            foreach (var (id, due) in late)
            {
                var outcome = await FlowRunStore.TryTransitionAsync(scope, id,
                    new StateProposal(StateType.Scheduled, StateNames.Late, "run is late: no worker claimed it in time", ScheduledTime: Time(due)),
                    now, expectedType: StateType.Scheduled, cancellationToken: cancellationToken);
                count += outcome?.Result.Status == SetStateStatus.Accept ? 1 : 0;
            }

            return count;
        }, cancellationToken);
        if (marked > 0)
        {
            Log.MarkedLate(Logger, marked);
        }

        return marked;
    }
}
