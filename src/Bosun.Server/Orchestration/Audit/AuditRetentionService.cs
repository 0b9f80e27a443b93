using Bosun.Server.Storage;
using Microsoft.Extensions.Options;

namespace Bosun.Server.Orchestration.Audit;

/// <summary>Deletes audit entries older than <see cref="BosunServerOptions.AuditRetention"/> (on the leader replica).</summary>
internal sealed class AuditRetentionService(
    BosunDatabase database, TimeProvider timeProvider, IOptions<BosunServerOptions> options, ILogger<AuditRetentionService> logger, Leadership leadership, IHostApplicationLifetime lifetime)
    : PeriodicStoreService(timeProvider, options, logger, leadership, lifetime)
{
    public override Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var before = TimeProvider.GetUtcNow() - Options.AuditRetention;
        return database.WriteAsync(scope => AuditStore.PruneAsync(scope, before, cancellationToken), cancellationToken);
    }
}
