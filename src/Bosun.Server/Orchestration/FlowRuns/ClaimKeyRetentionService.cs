using Bosun.Server.Storage;
using Microsoft.Extensions.Options;

namespace Bosun.Server.Orchestration.FlowRuns;

/// <summary>Forgets claim keys older than <see cref="ClaimKeyStore.Retention"/> (on the leader replica).</summary>
internal sealed class ClaimKeyRetentionService(
    BosunDatabase database, TimeProvider timeProvider, IOptions<BosunServerOptions> options, ILogger<ClaimKeyRetentionService> logger, Leadership leadership,
    IHostApplicationLifetime lifetime)
    : PeriodicStoreService(timeProvider, options, logger, leadership, lifetime)
{
    public override Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var before = TimeProvider.GetUtcNow() - ClaimKeyStore.Retention;
        return database.WriteAsync(scope => ClaimKeyStore.ForgetAsync(scope, before, cancellationToken), cancellationToken);
    }
}
