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

    /// <summary>Moves a queue to <paramref name="priority"/> (the others shift, as the API does).</summary>
    Task<WorkQueue> SetQueuePriorityAsync(string poolName, string queueName, int priority, CancellationToken cancellationToken);

    /// <summary>Sets a queue's concurrency limit; null removes it.</summary>
    Task<WorkQueue> SetQueueLimitAsync(string poolName, string queueName, int? limit, CancellationToken cancellationToken);

    /// <summary>Deletes a queue; its deployments and waiting runs move to the pool's default queue.</summary>
    Task DeleteQueueAsync(string poolName, string queueName, CancellationToken cancellationToken);

    /// <summary>Deletes a pool with its queues and workers; refused (409, as the API) while it has runs in flight.</summary>
    Task DeletePoolAsync(string name, CancellationToken cancellationToken);
}
