using Bosun.Server.Storage;
using Microsoft.Extensions.Options;

namespace Bosun.Server.Orchestration.Automations;

/// <summary>
/// On the leader: deletes automation deliveries that finished longer than <see cref="BosunServerOptions.AutomationRetention"/>
/// ago (with their attempts) and events that old no delivery refers to, a batch at a time. It looks once a minute, and
/// again at the next interval while a batch came back full.
/// </summary>
internal sealed class AutomationRetentionService(
    BosunDatabase database, TimeProvider timeProvider, IOptions<BosunServerOptions> options, ILogger<AutomationRetentionService> logger, Leadership leadership)
    : PeriodicStoreService(timeProvider, options, logger, leadership)
{
    public const int Batch = 1000;
    private static readonly TimeSpan Quiet = TimeSpan.FromMinutes(1);
    private DateTimeOffset _next = DateTimeOffset.MinValue;

    public override async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = TimeProvider.GetUtcNow();
        if (now < _next)
        {
            return 0;
        }

        var (deliveries, events) = await database.WriteAsync(
            scope => AutomationStore.PruneAsync(scope, now - Options.AutomationRetention, Batch, cancellationToken), cancellationToken);
        _next = deliveries == Batch || events == Batch ? now : now + Quiet;
        return deliveries + events;
    }
}
