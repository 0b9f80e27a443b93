using System.Collections.Concurrent;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>8 concurrent claimers on 2,000 runs: every run claimed exactly once, no limit exceeded at any moment.</summary>
public sealed class ConcurrentClaimTests
{
    private const int Runs = 2000;
    private const int PoolLimit = 6;
    private const int QueueLimit = 3;
    private const int DeploymentLimit = 4;

    [Fact]
    public async Task Claim_EightConcurrentClaimers_EachRunOnceAndNoLimitExceeded()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("busy", limit: PoolLimit);
        await client.CreateWorkQueueAsync("busy", new WorkQueueCreate("limited", ConcurrencyLimit: QueueLimit));
        var limitedDeployment = await client.DeploymentAsync("busy", name: "limited-dep", limit: DeploymentLimit);
        var freeDeployment = await client.DeploymentAsync("busy", name: "free-dep");
        var past = TimeProvider.System.GetUtcNow().AddMinutes(-1);
        var created = new List<Guid>(Runs);
        for (var i = 0; i < Runs; i++)
        {
            var deployment = i % 2 == 0 ? limitedDeployment : freeDeployment;
            var queue = i % 3 == 0 ? "limited" : "default";
            created.Add((await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(ScheduledStartTime: past.AddMilliseconds(i), WorkQueueName: queue))).Id);
        }

        var claimedBy = new ConcurrentDictionary<Guid, string>();
        var duplicates = new ConcurrentBag<Guid>();
        var held = new Counters();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        async Task ClaimerAsync(int index)
        {
            using var own = server.NewClient();
            var name = $"worker-{index}";
            while (claimedBy.Count < Runs && !cts.IsCancellationRequested)
            {
                var claim = await own.ClaimFlowRunsAsync("busy", new ClaimRequest(name, 2, WaitSeconds: 1), cts.Token);
                foreach (var run in claim.Runs)
                {
                    if (!claimedBy.TryAdd(run.FlowRun.Id, name))
                    {
                        duplicates.Add(run.FlowRun.Id);
                    }

                    held.Add(run, +1);
                }

                foreach (var run in claim.Runs)
                {
                    await own.SetFlowRunStateAsync(run.FlowRun.Id, new StateProposal(StateType.Running), cts.Token);
                    // Released locally before the server frees the slot, so the local count never exceeds the server's.
                    held.Add(run, -1);
                    await own.SetFlowRunStateAsync(run.FlowRun.Id, new StateProposal(StateType.Completed), cts.Token);
                }
            }
        }

        var sampledMaxInUse = 0;
        var sampler = Task.Run(async () =>
        {
            using var own = server.NewClient();
            while (claimedBy.Count < Runs && !cts.IsCancellationRequested)
            {
                sampledMaxInUse = Math.Max(sampledMaxInUse, (await own.GetWorkPoolAsync("busy", cts.Token)).SlotsInUse);
            }
        });
        await Task.WhenAll(Enumerable.Range(0, 8).Select(ClaimerAsync).Append(sampler));

        Assert.Empty(duplicates);
        Assert.Equal(created.ToHashSet(), claimedBy.Keys.ToHashSet());
        Assert.InRange(held.MaxPool, 1, PoolLimit);
        Assert.InRange(held.MaxLimitedQueue, 1, QueueLimit);
        Assert.InRange(held.MaxLimitedDeployment, 1, DeploymentLimit);
        Assert.InRange(sampledMaxInUse, 0, PoolLimit);
        Assert.True(claimedBy.Values.Distinct().Count() > 1, "only one claimer ever got work: the test did not exercise concurrency");
        var completed = await client.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Completed], Limit: 1));
        Assert.Equal(Runs, completed.Total);
    }

    private sealed class Counters
    {
        private readonly Lock _lock = new();
        private int _pool;
        private int _limitedQueue;
        private int _limitedDeployment;

        public int MaxPool { get; private set; }

        public int MaxLimitedQueue { get; private set; }

        public int MaxLimitedDeployment { get; private set; }

        public void Add(ClaimedFlowRun run, int delta)
        {
            lock (_lock)
            {
                _pool += delta;
                MaxPool = Math.Max(MaxPool, _pool);
                if (run.FlowRun.WorkQueueName == "limited")
                {
                    _limitedQueue += delta;
                    MaxLimitedQueue = Math.Max(MaxLimitedQueue, _limitedQueue);
                }

                if (run.Deployment.Name == "limited-dep")
                {
                    _limitedDeployment += delta;
                    MaxLimitedDeployment = Math.Max(MaxLimitedDeployment, _limitedDeployment);
                }
            }
        }
    }
}
