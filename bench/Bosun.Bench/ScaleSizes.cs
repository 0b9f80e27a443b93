namespace Bosun.Bench;

/// <summary>The points of the `scale` curves (bench/README.md) and the samples taken at each.</summary>
/// <param name="Waiters">Idle long-polling workers, one per pool.</param>
/// <param name="WakeSamples">Runs created (one at a time, each in the next pool) at each number of waiters.</param>
/// <param name="StoredRuns">Runs in the store at each point of the second curve.</param>
/// <param name="CreateClaimSamples">Creates, then claims, timed at each point.</param>
/// <param name="PageSamples">Requests timed for the first page and the filtered first page at each point.</param>
/// <param name="DeepPageSamples">Requests timed for the deep page (offset n − 100) at each point.</param>
/// <param name="Followers">Followers of one run at each point of the third curve (0: ingestion alone, the baseline).</param>
/// <param name="IngestLines">Lines written to that run at each point.</param>
/// <param name="ReadLines">Lines of the run read start to end after the curve.</param>
internal sealed record ScaleSizes(int[] Waiters, int WakeSamples, int[] StoredRuns, int CreateClaimSamples, int PageSamples, int DeepPageSamples,
    int[] Followers, int IngestLines, int ReadLines)
{
    public static readonly ScaleSizes Full = new([1, 10, 100, 1000], 200, [10_000, 100_000, 1_000_000], 500, 100, 20, [0, 1, 10, 100], 200_000, 1_000_000);

    public static readonly ScaleSizes Quick = new([1, 100], 30, [1_000, 10_000], 50, 20, 5, [0, 10], 20_000, 20_000);
}
