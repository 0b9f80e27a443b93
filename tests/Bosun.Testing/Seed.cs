using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;

namespace Bosun.Testing;

/// <summary>Short ways to create pools, deployments and runs through the real client.</summary>
public static class Seed
{
    public static Task<WorkPool> PoolAsync(this BosunClient client, string name, string type = "process", int? limit = null) =>
        client.CreateWorkPoolAsync(new WorkPoolCreate(name, type, ConcurrencyLimit: limit));

    public static Task<Deployment> DeploymentAsync(this BosunClient client, string pool, string name = "dep", string flow = "flow",
        string? queue = null, int? limit = null, CollisionStrategy strategy = CollisionStrategy.Enqueue) =>
        client.UpsertDeploymentAsync(new DeploymentUpsert(flow, name, Entrypoint: "test", WorkPoolName: pool, WorkQueueName: queue,
            ConcurrencyLimit: limit, CollisionStrategy: strategy));

    public static Task<FlowRun> RunAsync(this BosunClient client, Deployment deployment, DateTimeOffset? at = null, string? queue = null, string? name = null) =>
        client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(ScheduledStartTime: at, WorkQueueName: queue, Name: name));

    /// <summary>Claims without waiting.</summary>
    public static Task<ClaimResponse> ClaimAsync(this BosunClient client, string pool, int max = 10, string worker = "w1",
        IReadOnlyList<string>? queues = null, double? prefetchSeconds = null, double? waitSeconds = null) =>
        client.ClaimFlowRunsAsync(pool, new ClaimRequest(worker, max, queues, PrefetchSeconds: prefetchSeconds, WaitSeconds: waitSeconds));

    /// <summary>Moves a claimed run to RUNNING then COMPLETED.</summary>
    public static async Task CompleteAsync(this BosunClient client, Guid runId)
    {
        ArgumentNullException.ThrowIfNull(client);
        var running = await client.SetFlowRunStateAsync(runId, new StateProposal(StateType.Running));
        if (running.Status != SetStateStatus.Accept)
        {
            throw new InvalidOperationException($"RUNNING refused: {running.Status} {running.Reason}");
        }

        var completed = await client.SetFlowRunStateAsync(runId, new StateProposal(StateType.Completed));
        if (completed.Status != SetStateStatus.Accept)
        {
            throw new InvalidOperationException($"COMPLETED refused: {completed.Status} {completed.Reason}");
        }
    }

    /// <summary>Pool <paramref name="pool"/>, a deployment on it and <paramref name="count"/> runs of it, claimed and moved to RUNNING.</summary>
    public static async Task<Guid[]> RunningRunsAsync(this BosunClient client, int count, string pool = "p")
    {
        ArgumentNullException.ThrowIfNull(client);
        await client.PoolAsync(pool);
        var deployment = await client.DeploymentAsync(pool);
        var runs = new Guid[count];
        for (var i = 0; i < count; i++)
        {
            runs[i] = (await client.RunAsync(deployment)).Id;
        }

        await client.ClaimAsync(pool, max: count);
        foreach (var id in runs)
        {
            var running = await client.SetFlowRunStateAsync(id, new StateProposal(StateType.Running));
            if (running.Status != SetStateStatus.Accept)
            {
                throw new InvalidOperationException($"RUNNING refused: {running.Status} {running.Reason}");
            }
        }

        return runs;
    }

    /// <summary>Every stored log line of a run, in stored order (page after page).</summary>
    public static async Task<List<Contracts.Logs.LogEntry>> AllLogsAsync(this BosunClient client, Guid runId)
    {
        var lines = new List<Contracts.Logs.LogEntry>();
        long after = 0;
        while (true)
        {
            var page = await client.ReadLogsAsync(runId, after, 500);
            lines.AddRange(page.Items);
            if (page.Items.Count < 500)
            {
                return lines;
            }

            after = page.Items[^1].Id;
        }
    }
}
