using System.Collections.Concurrent;

namespace Bosun.Bench.Peers;

/// <summary>
/// When each job's body began, by the job's index: the only thing a benchmark job does. The clock is the machine's
/// wall clock (CLOCK_REALTIME), which the producer reads too, so times taken in two processes compare.
/// </summary>
public static class JobStarts
{
    private static readonly ConcurrentQueue<JobTime> Starts = new();

    /// <summary>Called first thing in every benchmark job.</summary>
    public static void Record(int index) => Starts.Enqueue(new JobTime(index, Clock.NowMs()));

    /// <summary>The starts recorded since the last call.</summary>
    public static List<JobTime> Drain()
    {
        var drained = new List<JobTime>();
        while (Starts.TryDequeue(out var start))
        {
            drained.Add(start);
        }

        return drained;
    }
}
