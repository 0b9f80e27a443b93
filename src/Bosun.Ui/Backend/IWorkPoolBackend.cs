using Bosun.Contracts;
using Bosun.Contracts.WorkPools;

namespace Bosun.Ui.Backend;

/// <summary>Work pools, their queues and workers, as the pool pages read and change them.</summary>
public interface IWorkPoolBackend
{
    /// <summary>The first page of pools, by name.</summary>
    Task<Page<WorkPool>> ListPoolsAsync(CancellationToken cancellationToken);

    Task<WorkPool> GetPoolAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// The pool's slot use in each bucket of <paramref name="width"/> from <paramref name="from"/> to <paramref name="to"/>,
    /// from its runs' start and end times.
    /// </summary>
    Task<IReadOnlyList<SlotUse>> SlotUseAsync(string poolName, DateTimeOffset from, DateTimeOffset to, TimeSpan width, CancellationToken cancellationToken);

    Task<IReadOnlyList<WorkQueue>> ListQueuesAsync(string poolName, CancellationToken cancellationToken);

    Task<IReadOnlyList<Worker>> ListWorkersAsync(string poolName, CancellationToken cancellationToken);

    Task<WorkPool> CreatePoolAsync(WorkPoolCreate request, CancellationToken cancellationToken);

    Task<WorkPool> SetPoolPausedAsync(string name, bool paused, CancellationToken cancellationToken);

    Task<WorkPool> SetPoolLimitAsync(string name, int? limit, CancellationToken cancellationToken);

    Task<WorkQueue> CreateQueueAsync(string poolName, WorkQueueCreate request, CancellationToken cancellationToken);

    Task<WorkQueue> SetQueuePausedAsync(string poolName, string queueName, bool paused, CancellationToken cancellationToken);
}
