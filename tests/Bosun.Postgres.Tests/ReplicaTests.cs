using System.Collections.Concurrent;
using System.Diagnostics;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Postgres.Tests;

/// <summary>Two server replicas on one PostgreSQL database.</summary>
public sealed class ReplicaTests
{
    private const int Runs = 2000;
    private const int PoolLimit = 6;
    private const int DeploymentLimit = 4;

    [Fact]
    public async Task TwoReplicas_FourWorkers_EachRunOnceAndNoLimitExceeded()
    {
        if (!PostgresRequired.Cluster())
        {
            return;
        }

        var database = await TestDatabases.CreatePostgresDatabaseAsync();
        await using var a = await Replica.StartAsync(database);
        await using var b = await Replica.StartAsync(database);
        await a.Client.PoolAsync("shared", limit: PoolLimit);
        var limited = await a.Client.DeploymentAsync("shared", name: "limited", limit: DeploymentLimit);
        var free = await b.Client.DeploymentAsync("shared", name: "free");
        var past = TimeProvider.System.GetUtcNow().AddMinutes(-1);
        var created = new ConcurrentBag<Guid>();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async part =>
        {
            using var client = (part % 2 == 0 ? a : b).NewClient();
            for (var i = part; i < Runs; i += 4)
            {
                created.Add((await client.CreateFlowRunAsync((i % 2 == 0 ? limited : free).Id, new FlowRunCreate(ScheduledStartTime: past.AddMilliseconds(i)))).Id);
            }
        }));

        var claimedBy = new ConcurrentDictionary<Guid, string>();
        var duplicates = new ConcurrentBag<Guid>();
        var held = 0;
        var heldLimited = 0;
        var maxHeld = 0;
        var maxHeldLimited = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        async Task WorkerAsync(int index)
        {
            var replica = index % 2 == 0 ? a : b;
            using var client = replica.NewClient();
            var name = $"worker-{index}";
            while (claimedBy.Count < Runs && !cts.IsCancellationRequested)
            {
                var claim = await client.ClaimFlowRunsAsync("shared", new ClaimRequest(name, 2, WaitSeconds: 1), cts.Token);
                foreach (var run in claim.Runs)
                {
                    if (!claimedBy.TryAdd(run.FlowRun.Id, name))
                    {
                        duplicates.Add(run.FlowRun.Id);
                    }

                    InterlockedMax(ref maxHeld, Interlocked.Increment(ref held));
                    if (run.Deployment.Name == "limited")
                    {
                        InterlockedMax(ref maxHeldLimited, Interlocked.Increment(ref heldLimited));
                    }
                }

                foreach (var run in claim.Runs)
                {
                    await client.SetFlowRunStateAsync(run.FlowRun.Id, new StateProposal(StateType.Running), cts.Token);
                    // Released locally before the server frees the slot: the local count never exceeds the server's.
                    Interlocked.Decrement(ref held);
                    if (run.Deployment.Name == "limited")
                    {
                        Interlocked.Decrement(ref heldLimited);
                    }

                    await client.SetFlowRunStateAsync(run.FlowRun.Id, new StateProposal(StateType.Completed), cts.Token);
                }
            }
        }

        try
        {
            await Task.WhenAll(Enumerable.Range(0, 4).Select(WorkerAsync));
        }
        catch (Exception ex)
        {
            Assert.Fail($"A worker failed: {ex}\nReplica A:\n{a.Process.OutputText}\nReplica B:\n{b.Process.OutputText}");
        }

        Assert.Empty(duplicates);
        Assert.Equal(created.ToHashSet(), claimedBy.Keys.ToHashSet());
        Assert.InRange(maxHeld, 1, PoolLimit);
        Assert.InRange(maxHeldLimited, 1, DeploymentLimit);
        Assert.Equal(Runs, (await b.Client.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Completed], Limit: 1))).Total);
        Assert.Equal(4, claimedBy.Values.Distinct().Count());
        await TestDatabases.DropPostgresDatabaseAsync(database);
    }

    [Fact]
    public async Task LongPollOnOneReplica_WokenByRunCreatedThroughTheOther()
    {
        if (!PostgresRequired.Cluster())
        {
            return;
        }

        var database = await TestDatabases.CreatePostgresDatabaseAsync();
        await using var a = await Replica.StartAsync(database);
        await using var b = await Replica.StartAsync(database);
        await a.Client.PoolAsync("p");
        var deployment = await a.Client.DeploymentAsync("p");
        using var worker = b.NewClient();

        var stopwatch = Stopwatch.StartNew();
        var waiting = worker.ClaimFlowRunsAsync("p", new ClaimRequest("w", 1, WaitSeconds: 30));
        await Eventually.WaitUntilAsync(async () => (await a.Client.GetWorkQueueAsync("p", "default")).LastPolled is not null, "the claim on replica B polled");
        var run = await a.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var claim = await waiting;

        Assert.Equal(run.Id, Assert.Single(claim.Runs).FlowRun.Id);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(25), $"the claim was answered after {stopwatch.Elapsed}, not woken");
        await TestDatabases.DropPostgresDatabaseAsync(database);
    }

    [Fact]
    public async Task LogFollowerOnOneReplica_WokenByLinesAndEndWrittenThroughTheOther()
    {
        // Replicas gather their signals into one NOTIFY naming the runs ("l:<id>", "s:<id>"); a follower on B must hear A's
        // log lines before its feed's own 5 s look at the run, and the run's end too (the follow then ends after the run's
        // 3 s quiet period, docs/logs.md).
        if (!PostgresRequired.Cluster())
        {
            return;
        }

        var database = await TestDatabases.CreatePostgresDatabaseAsync();
        await using var a = await Replica.StartAsync(database);
        await using var b = await Replica.StartAsync(database);
        await a.Client.PoolAsync("p");
        var run = await a.Client.RunAsync(await a.Client.DeploymentAsync("p"));
        await a.Client.ClaimAsync("p");
        await a.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        await a.Client.WriteLogsAsync([new Contracts.Logs.LogCreate(run.Id, TimeProvider.System.GetUtcNow(), Contracts.Logs.RunLogLevel.Info, "first")]);
        using var follower = b.NewClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var received = new ConcurrentQueue<string>();
        var firstSeen = new TaskCompletionSource();
        var following = Task.Run(async () =>
        {
            await foreach (var line in follower.FollowLogsAsync(run.Id, cancellationToken: cts.Token))
            {
                received.Enqueue(line.Message);
                firstSeen.TrySetResult();
            }
        });
        await firstSeen.Task.WaitAsync(cts.Token);

        var stopwatch = Stopwatch.StartNew();
        await a.Client.WriteLogsAsync([new Contracts.Logs.LogCreate(run.Id, TimeProvider.System.GetUtcNow(), Contracts.Logs.RunLogLevel.Info, "second")]);
        await Eventually.WaitUntilAsync(() => Task.FromResult(received.Contains("second")), "replica B's follower got the line written through A");
        var lineAfter = stopwatch.Elapsed;
        stopwatch.Restart();
        await a.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Completed));
        await following.WaitAsync(cts.Token);

        Assert.Equal(["first", "second"], received);
        Assert.True(lineAfter < TimeSpan.FromSeconds(4), $"the line reached B's follower after {lineAfter}, not woken by A's notification");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"B's follower ended {stopwatch.Elapsed} after the run did, not woken by A's notification");
        await TestDatabases.DropPostgresDatabaseAsync(database);
    }

    [Fact]
    public async Task ReplicaKilled_OtherKeepsServingAndTakesOverLeaderServices()
    {
        if (!PostgresRequired.Cluster())
        {
            return;
        }

        var database = await TestDatabases.CreatePostgresDatabaseAsync();
        await using var a = await Replica.StartAsync(database);
        await Eventually.WaitUntilAsync(async () => (await a.Client.GetHealthAsync()).Leader, "the first replica leads");
        await using var b = await Replica.StartAsync(database);
        Assert.False((await b.Client.GetHealthAsync()).Leader);
        await b.Client.PoolAsync("p");
        var deployment = await b.Client.DeploymentAsync("p");

        a.Process.Kill();
        await a.Process.WaitForExitAsync();
        var overdue = await b.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(ScheduledStartTime: TimeProvider.System.GetUtcNow().AddMinutes(-1)));

        await Eventually.WaitUntilAsync(async () => (await b.Client.GetHealthAsync()).Leader, "the surviving replica takes the lead");
        var late = await Eventually.ValueAsync(() => b.Client.GetFlowRunAsync(overdue.Id), r => r.State.Name == StateNames.Late, "the overdue run is marked Late by the new leader");
        Assert.Equal(StateType.Scheduled, late.State.Type);
        Assert.Equal(ReadinessStatus.NotReady, (await b.Client.GetWorkPoolAsync("p")).Status);
        await TestDatabases.DropPostgresDatabaseAsync(database);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
