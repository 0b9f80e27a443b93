using Bosun.Contracts;
using Bosun.Contracts.WorkPools;
using Bosun.Server.Api;
using Bosun.Server.Orchestration.FlowRuns;
using Bosun.Server.Orchestration.WorkPools;
using Bosun.Ui.Backend;
using static Bosun.Server.Ui.UiBackends;

namespace Bosun.Server.Ui;

internal sealed class WorkPoolBackend(WorkPoolService pools, FlowRunSummaries summaries) : IWorkPoolBackend
{
    public Task<Page<WorkPool>> ListPoolsAsync(CancellationToken cancellationToken) =>
        Call(() => pools.ListPoolsAsync(null, 0, Paging.MaxLimit, null, cancellationToken));

    public Task<WorkPool> GetPoolAsync(string name, CancellationToken cancellationToken) => Call(() => pools.GetPoolAsync(name, cancellationToken));

    public async Task<IReadOnlyList<SlotUse>> SlotUseAsync(string poolName, DateTimeOffset from, DateTimeOffset to, TimeSpan width, CancellationToken cancellationToken) =>
        (await Call(() => summaries.SlotUseAsync(poolName, from, to, width, cancellationToken)))
            .Select(bucket => new SlotUse(bucket.Start, bucket.Peak, bucket.Average))
            .ToList();

    public Task<IReadOnlyList<WorkQueue>> ListQueuesAsync(string poolName, CancellationToken cancellationToken) =>
        Call(() => pools.ListQueuesAsync(poolName, cancellationToken));

    public Task<IReadOnlyList<Worker>> ListWorkersAsync(string poolName, CancellationToken cancellationToken) =>
        Call(() => pools.ListWorkersAsync(poolName, cancellationToken));

    public Task<WorkPool> CreatePoolAsync(WorkPoolCreate request, CancellationToken cancellationToken) =>
        Call(async () =>
        {
            UiChangeLog.Describe("CreateWorkPool", $"name={request.Name} type={request.Type}");
            return (await pools.CreatePoolAsync(request, null, cancellationToken)).Pool;
        });

    public Task<WorkPool> SetPoolPausedAsync(string name, bool paused, CancellationToken cancellationToken) =>
        Call(() =>
        {
            UiChangeLog.Describe(paused ? "PauseWorkPool" : "ResumeWorkPool", $"name={name}");
            return pools.SetPoolPausedAsync(name, paused, cancellationToken);
        });

    public Task<WorkPool> SetPoolLimitAsync(string name, int? limit, CancellationToken cancellationToken) =>
        Call(() =>
        {
            UiChangeLog.Describe("SetWorkPoolConcurrencyLimit", $"name={name}; fields: concurrency_limit={limit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"}");
            return pools.SetPoolLimitAsync(name, limit, cancellationToken);
        });

    public Task<WorkQueue> CreateQueueAsync(string poolName, WorkQueueCreate request, CancellationToken cancellationToken) =>
        Call(async () =>
        {
            UiChangeLog.Describe("CreateWorkQueue", UiChangeLog.Summary($"pool={poolName}", request));
            return (await pools.CreateQueueAsync(poolName, request, null, cancellationToken)).Queue;
        });

    public Task<WorkQueue> SetQueuePausedAsync(string poolName, string queueName, bool paused, CancellationToken cancellationToken) =>
        Call(() =>
        {
            UiChangeLog.Describe(paused ? "PauseWorkQueue" : "ResumeWorkQueue", $"pool={poolName} queue={queueName}");
            return pools.SetQueuePausedAsync(poolName, queueName, paused, cancellationToken);
        });

    public Task<WorkQueue> SetQueuePriorityAsync(string poolName, string queueName, int priority, CancellationToken cancellationToken) =>
        Call(() =>
        {
            UiChangeLog.Describe("UpdateWorkQueue", $"pool={poolName} queue={queueName}; fields: priority");
            return pools.UpdateQueueAsync(poolName, queueName, new WorkQueueUpdate(Priority: priority), cancellationToken);
        });

    public Task<WorkQueue> SetQueueLimitAsync(string poolName, string queueName, int? limit, CancellationToken cancellationToken) =>
        Call(() =>
        {
            UiChangeLog.Describe("SetWorkQueueConcurrencyLimit", $"pool={poolName} queue={queueName}; fields: concurrency_limit={limit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"}");
            return pools.SetQueueLimitAsync(poolName, queueName, limit, cancellationToken);
        });

    public Task DeleteQueueAsync(string poolName, string queueName, CancellationToken cancellationToken) => Call(async () =>
    {
        UiChangeLog.Describe("DeleteWorkQueue", $"pool={poolName} queue={queueName}");
        await pools.DeleteQueueAsync(poolName, queueName, cancellationToken);
        return true;
    });

    public Task DeletePoolAsync(string name, CancellationToken cancellationToken) => Call(async () =>
    {
        UiChangeLog.Describe("DeleteWorkPool", $"name={name}");
        await pools.DeletePoolAsync(name, force: false, cancellationToken);
        return true;
    });
}
