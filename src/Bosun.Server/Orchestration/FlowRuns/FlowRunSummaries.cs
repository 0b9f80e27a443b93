using Bosun.Contracts;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Server.Storage;

namespace Bosun.Server.Orchestration.FlowRuns;

/// <summary>What the web UI's charts and dashboard read: run counts by state (over time), waiting and Late runs, durations and slot use.</summary>
internal sealed class FlowRunSummaries(BosunDatabase database, TimeProvider clock)
{
    /// <summary>At most this many runs' intervals are swept into one pool's slot use; in a window with more, the runs that started last are left out.</summary>
    public const int MaxSlotIntervals = 50_000;

    public Task<Page<FlowRunSummary>> LateAsync(int limit, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => FlowRunSummaryStore.LateAsync(connection, limit, cancellationToken), cancellationToken);

    /// <summary>Runs expected to start in the window, by bucket (its start) and current state; empty buckets left out.</summary>
    public async Task<IReadOnlyList<(DateTimeOffset Start, StateType State, int Count)>> CountByStateOverTimeAsync(DateTimeOffset from, DateTimeOffset to,
        TimeSpan width, CancellationToken cancellationToken)
    {
        var rows = await database.ReadAsync(connection => FlowRunSummaryStore.CountByStateOverTimeAsync(connection, from, to, width, cancellationToken), cancellationToken);
        return rows.Select(row => (from + (width * row.Bucket), row.State, (int)row.Count)).ToList();
    }

    /// <summary>The runs not running yet, by pool, queue and why they wait (as <c>bosun_runs_waiting</c> counts them).</summary>
    public Task<IReadOnlyDictionary<(string Pool, string Queue, WaitingKind Kind), long>> WaitingAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => WaitingCounts.ReadAsync(connection, now, cancellationToken), cancellationToken);

    /// <summary>The deployment's runs that ended in the window, the <paramref name="limit"/> latest, oldest first.</summary>
    public Task<IReadOnlyList<EndedRun>> EndedRunsAsync(Guid deploymentId, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => FlowRunSummaryStore.EndedRunsAsync(connection, deploymentId, from, to, limit, cancellationToken), cancellationToken);

    /// <summary>
    /// A pool's slot use in each bucket of the window: the most runs holding a slot at once, and the average (slot time
    /// used over the bucket's length). A run holds its slot from its start to its end, or to now while it runs
    /// (claimed-but-not-started time is not counted: the store keeps no claim time).
    /// </summary>
    public async Task<IReadOnlyList<(DateTimeOffset Start, int Peak, double Average)>> SlotUseAsync(string poolName, DateTimeOffset from, DateTimeOffset to,
        TimeSpan width, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var openEnd = now < to ? now : to;
        var intervals = await database.ReadAsync(connection =>
            FlowRunSummaryStore.SlotIntervalsAsync(connection, poolName, from, to, openEnd, MaxSlotIntervals, cancellationToken), cancellationToken);
        return SlotUse(intervals, from, to, width);
    }

    /// <summary>Sweeps the runs' starts (+1) and ends (-1) in time order through the buckets; an end sorts before a start at the same instant.</summary>
    public static IReadOnlyList<(DateTimeOffset Start, int Peak, double Average)> SlotUse(IReadOnlyList<(DateTimeOffset Start, DateTimeOffset End)> intervals,
        DateTimeOffset from, DateTimeOffset to, TimeSpan width)
    {
        var buckets = (int)Math.Ceiling((to - from) / width);
        var peak = new int[buckets];
        var busy = new double[buckets];
        var changes = intervals.Select(run => (Time: run.Start < from ? from : run.Start, Step: 1))
            .Concat(intervals.Select(run => (Time: run.End > to ? to : run.End, Step: -1)))
            .OrderBy(change => change.Time).ThenBy(change => change.Step)
            .ToList();
        var inUse = 0;
        var at = from;
        foreach (var (time, step) in changes.Append((Time: to, Step: 0)))
        {
            // The level held from `at` to `time` counts as busy time in every bucket it spans, and as a peak where it held for any time.
            for (var index = Bucket(at); at < time && index < buckets; index++)
            {
                var end = Min(time, from + (width * (index + 1)));
                busy[index] += inUse * (end - at).TotalMilliseconds;
                peak[index] = Math.Max(peak[index], inUse);
                at = end;
            }

            (inUse, at) = (inUse + step, time > at ? time : at);
        }

        return Enumerable.Range(0, buckets).Select(index => (from + (width * index), peak[index], busy[index] / width.TotalMilliseconds)).ToList();

        int Bucket(DateTimeOffset time) => (int)((time - from) / width);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
