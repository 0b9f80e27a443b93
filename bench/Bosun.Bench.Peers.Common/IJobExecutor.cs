namespace Bosun.Bench.Peers;

/// <summary>Runs one system's benchmark jobs with 8 executors, each job calling <see cref="JobStarts.Record"/>.</summary>
public interface IJobExecutor : IAsyncDisposable
{
    /// <summary>Starts executing; returns once the executor is polling its store.</summary>
    Task StartAsync(CancellationToken cancellationToken);
}
