using System.Diagnostics.Metrics;
using Bosun.Server.Storage;

namespace Bosun.Server.Orchestration.Metrics;

/// <summary>
/// The server's instruments, on its one <see cref="Meter"/> (<c>Bosun.Server</c>) made by the host's
/// <see cref="IMeterFactory"/>: two servers in one process (tests) keep their figures apart.
/// </summary>
internal sealed class ServerMetrics
{
    public const string MeterName = "Bosun.Server";

    public ServerMetrics(IMeterFactory meterFactory, BosunDatabase database)
    {
        var meter = meterFactory.Create(MeterName);
        if (database.Dialect is SqliteDialect sqlite)
        {
            meter.CreateObservableCounter("bosun.store.writes", () => sqlite.Writes, null, "Writes committed on the SQLite writer (one per API call that writes, about).");
            meter.CreateObservableCounter("bosun.store.write.transactions", () => sqlite.Commits, null,
                "SQLite write transactions committed: fewer than bosun_store_writes_total when waiting writes share one (group commit).");
        }

        ClaimDuration = meter.CreateHistogram<double>("bosun.claim.duration", "s", "Time one claim took in the store (a long-poll's waiting not counted), by pool.");
        ClaimDelay = meter.CreateHistogram<double>("bosun.claim.delay", "s", "How long after its due time each run was claimed, by pool.");
        ClaimWake = meter.CreateHistogram<double>("bosun.claim.wake", "s", "From a waiting claim's wake-up to its answer with runs, by pool.");
        LogLinesIngested = meter.CreateCounter<long>("bosun.log.lines.ingested", null, "Run log lines stored.");
    }

    public Histogram<double> ClaimDuration { get; }

    public Histogram<double> ClaimDelay { get; }

    public Histogram<double> ClaimWake { get; }

    public Counter<long> LogLinesIngested { get; }
}
