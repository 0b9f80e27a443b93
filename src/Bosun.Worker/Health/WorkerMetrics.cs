using System.Globalization;
using System.Text;

namespace Bosun.Worker;

/// <summary>
/// The worker's own figures, served in the Prometheus text format (0.0.4) at <c>/metrics</c> on its health port
/// (docs/operations.md): kept in memory since the worker started, as Prometheus expects of a process's counters.
/// </summary>
public sealed class WorkerMetrics
{
    /// <summary>Upper bounds (seconds) of the infrastructure start-time buckets: a process starts in milliseconds, a pod in minutes.</summary>
    private static readonly double[] Bounds = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, (long[] Buckets, double Sum, long Count)> _starts = new(StringComparer.Ordinal);
    private long _claims;
    private long _claimedRuns;
    private long _claimFailures;
    private long _heartbeatFailures;

    /// <summary>The last <see cref="RecentStartCount"/> infrastructure start times, oldest first (guarded by <see cref="_gate"/>).</summary>
    private readonly Queue<TimeSpan> _recentStarts = new();
    private const int RecentStartCount = 32;

    /// <summary>The runs the worker holds now (claimed and not ended), read at each scrape.</summary>
    public Func<int>? RunsInFlight { get; set; }

    /// <summary>A claim request the server answered, with the runs it gave.</summary>
    public void RecordClaim(int runs)
    {
        Interlocked.Increment(ref _claims);
        Interlocked.Add(ref _claimedRuns, runs);
    }

    /// <summary>A claim request that failed (server away or refusing).</summary>
    public void RecordClaimFailure() => Interlocked.Increment(ref _claimFailures);

    /// <summary>A worker heartbeat the server did not take.</summary>
    public void RecordHeartbeatFailure() => Interlocked.Increment(ref _heartbeatFailures);

    /// <summary>How long creating one run's infrastructure of <paramref name="type"/> took, up to its id being known.</summary>
    public void RecordInfrastructureStart(string type, TimeSpan duration)
    {
        var seconds = duration.TotalSeconds;
        lock (_gate)
        {
            var (buckets, sum, count) = _starts.TryGetValue(type, out var known) ? known : (new long[Bounds.Length], 0, 0);
            for (var i = 0; i < Bounds.Length; i++)
            {
                buckets[i] += seconds <= Bounds[i] ? 1 : 0;
            }

            _starts[type] = (buckets, sum + seconds, count + 1);
            _recentStarts.Enqueue(duration);
            if (_recentStarts.Count > RecentStartCount)
            {
                _recentStarts.Dequeue();
            }
        }
    }

    /// <summary>The longest of the last 32 infrastructure starts, or null before the first: what a run claimed ahead allows for.</summary>
    public TimeSpan? LongestRecentStart
    {
        get
        {
            lock (_gate)
            {
                return _recentStarts.Count == 0 ? null : _recentStarts.Max();
            }
        }
    }

    /// <summary>The page <c>/metrics</c> answers: every series in the Prometheus text format.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        Metric(text, "bosun_worker_runs_in_flight", "gauge", "Runs this worker holds now: claimed and not ended, runs claimed ahead of their time included.", RunsInFlight?.Invoke() ?? 0);
        Metric(text, "bosun_worker_claims_total", "counter", "Claim requests the server answered.", Interlocked.Read(ref _claims));
        Metric(text, "bosun_worker_claimed_runs_total", "counter", "Runs this worker claimed.", Interlocked.Read(ref _claimedRuns));
        Metric(text, "bosun_worker_claim_failures_total", "counter", "Claim requests that failed (server away or refusing).", Interlocked.Read(ref _claimFailures));
        Metric(text, "bosun_worker_heartbeat_failures_total", "counter", "Worker heartbeats the server did not take.", Interlocked.Read(ref _heartbeatFailures));
        const string histogram = "bosun_worker_infrastructure_start_seconds";
        text.Append(CultureInfo.InvariantCulture, $"# HELP {histogram} Time to create one run's infrastructure, by infrastructure type.\n# TYPE {histogram} histogram\n");
        lock (_gate)
        {
            foreach (var (type, (buckets, sum, count)) in _starts)
            {
                for (var i = 0; i < Bounds.Length; i++)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{histogram}_bucket{{type=\"{type}\",le=\"{Bounds[i]}\"}} {buckets[i]}\n");
                }

                text.Append(CultureInfo.InvariantCulture, $"{histogram}_bucket{{type=\"{type}\",le=\"+Inf\"}} {count}\n");
                text.Append(CultureInfo.InvariantCulture, $"{histogram}_sum{{type=\"{type}\"}} {sum}\n");
                text.Append(CultureInfo.InvariantCulture, $"{histogram}_count{{type=\"{type}\"}} {count}\n");
            }
        }

        return text.ToString();
    }

    private static void Metric(StringBuilder text, string name, string type, string help, long value) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{name} {value}\n");
}
