namespace Bosun.Bench.Peers.Hangfire;

/// <summary>The comparison's trivial job as a Hangfire background job.</summary>
public static class HangfireJobs
{
    public static void Run(int i) => JobStarts.Record(i);
}
