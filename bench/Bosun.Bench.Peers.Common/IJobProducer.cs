namespace Bosun.Bench.Peers;

/// <summary>Creates benchmark jobs in one system's store, from a process other than the one executing them.</summary>
public interface IJobProducer : IAsyncDisposable
{
    /// <summary>Creates job <paramref name="index"/>, due now or at <paramref name="due"/>; returns when the system has acknowledged it.</summary>
    Task CreateAsync(int index, DateTimeOffset? due, CancellationToken cancellationToken);

    /// <summary>How many jobs the store still holds unfinished (scheduled, queued or running).</summary>
    Task<long> CountUnfinishedAsync(CancellationToken cancellationToken);
}
