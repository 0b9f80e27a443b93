using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using Bosun.Contracts.Metrics;
using Bosun.Server.Storage;

namespace Bosun.Server.Orchestration.Metrics;

/// <summary>
/// The text of <c>/metrics</c> (docs/operations.md): the host's own instruments (this server's meter and ASP.NET Core's
/// request durations) as the exporter collected them, then the store's figures read at scrape time.
/// </summary>
internal sealed class MetricsService : IDisposable
{
    private static readonly HashSet<string> Meters = [ServerMetrics.MeterName, "Microsoft.AspNetCore.Hosting"];

    private readonly BosunDatabase _database;
    private readonly TimeProvider _timeProvider;
    private readonly PrometheusExporter _exporter;

    public MetricsService(BosunDatabase database, TimeProvider timeProvider, IMeterFactory meterFactory)
    {
        (_database, _timeProvider) = (database, timeProvider);
        _exporter = new PrometheusExporter(instrument => ReferenceEquals(instrument.Meter.Scope, meterFactory) && Meters.Contains(instrument.Meter.Name));
    }

    public async Task<string> RenderAsync(CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var output = new StringBuilder();
        _exporter.Write(output);
        await _database.ReadAsync(async connection =>
        {
            PrometheusExporter.WriteGauge(output, "bosun_runs", "Flow runs by state type and deployment (flow/deployment).",
                (await MetricsStore.RunsByStateAsync(connection, cancellationToken)).Select(row => (Labels(("state", row.State), ("deployment", row.Deployment)), (double)row.Count)));

            var waiting = (await WaitingCounts.ReadAsync(connection, now, cancellationToken))
                .ToDictionary(pair => (pair.Key.Pool, pair.Key.Queue, Reason: Label(pair.Key.Kind)), pair => (double)pair.Value);
            PrometheusExporter.WriteGauge(output, "bosun_runs_waiting",
                $"Runs not running yet, by pool, queue and why they wait (the first {MetricsStore.ExplainedLimit} due or held runs are explained one by one).",
                waiting.OrderBy(pair => pair.Key).Select(pair => (Labels(("pool", pair.Key.Pool), ("queue", pair.Key.Queue), ("reason", pair.Key.Reason)), pair.Value)));
            PrometheusExporter.WriteGauge(output, "bosun_runs_late", "SCHEDULED runs named Late (not claimed 15 s after their time), by pool.",
                (await MetricsStore.LateAsync(connection, cancellationToken)).Select(row => (Labels(("pool", row.Pool)), (double)row.Count)));
            PrometheusExporter.WriteGauge(output, "bosun_workers_online", "Workers online (heard from within three heartbeat intervals), by pool.",
                (await MetricsStore.WorkersOnlineAsync(connection, now, cancellationToken)).Select(row => (Labels(("pool", row.Pool)), (double)row.Online)));
            return 0;
        }, cancellationToken);
        return output.ToString();
    }

    public void Dispose() => _exporter.Dispose();

    /// <summary>The <c>reason</c> label: the kind in snake case (<c>pool_paused</c>).</summary>
    public static string Label(WaitingKind kind) => JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString());

    private static KeyValuePair<string, string>[] Labels(params (string Name, string Value)[] labels) =>
        labels.Select(label => KeyValuePair.Create(label.Name, label.Value)).ToArray();
}
