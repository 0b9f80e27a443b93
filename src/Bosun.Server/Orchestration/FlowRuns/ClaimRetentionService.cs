using Bosun.Server.Storage;
using Microsoft.Extensions.Options;

namespace Bosun.Server.Orchestration.FlowRuns;

/// <summary>
/// Forgets what claims leave behind (on the leader replica): claim keys older than <see cref="ClaimKeyStore.Retention"/>,
/// and serving processes not heard from for <see cref="ServingProcessStore.Retention"/> or twice the worker timeout,
/// whichever is longer (a run of a process forgotten earlier would be judged silent sooner than its timeout says).
/// </summary>
internal sealed class ClaimRetentionService(
    BosunDatabase database, TimeProvider timeProvider, IOptions<BosunServerOptions> options, ILogger<ClaimRetentionService> logger, Leadership leadership,
    IHostApplicationLifetime lifetime)
    : PeriodicStoreService(timeProvider, options, logger, leadership, lifetime)
{
    public override Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = TimeProvider.GetUtcNow();
        var servingRetention = TimeSpan.FromTicks(Math.Max(ServingProcessStore.Retention.Ticks, 2 * Options.WorkerTimeout.Ticks));
        return database.WriteAsync(async scope =>
            await ClaimKeyStore.ForgetAsync(scope, now - ClaimKeyStore.Retention, cancellationToken)
            + await ServingProcessStore.ForgetAsync(scope, now - servingRetention, cancellationToken), cancellationToken);
    }
}
