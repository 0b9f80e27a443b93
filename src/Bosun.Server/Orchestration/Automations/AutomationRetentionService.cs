using Bosun.Server.Storage;
using Microsoft.Extensions.Options;

namespace Bosun.Server.Orchestration.Automations;

/// <summary>
/// On the leader, every service interval: deletes automation deliveries that finished longer than
/// <see cref="BosunServerOptions.AutomationRetention"/> ago (with their attempts) and events that old no delivery refers to,
/// a batch of each per sweep. Each statement reads through an index (migration 0024), so a sweep with nothing to delete
/// costs a few index probes, as the audit log's does.
/// </summary>
internal sealed class AutomationRetentionService(
    BosunDatabase database, TimeProvider timeProvider, IOptions<BosunServerOptions> options, ILogger<AutomationRetentionService> logger, Leadership leadership, IHostApplicationLifetime lifetime)
    : PeriodicStoreService(timeProvider, options, logger, leadership, lifetime)
{
    public const int Batch = 1000;

    public override async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var before = TimeProvider.GetUtcNow() - Options.AutomationRetention;
        var (deliveries, events) = await database.WriteAsync(
            scope => AutomationStore.PruneAsync(scope, before, Batch, cancellationToken), cancellationToken);
        return deliveries + events;
    }
}
