using System.Diagnostics;
using System.Net;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Server.Orchestration;
using Bosun.Server.Orchestration.FlowRuns;
using Bosun.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Tests;

/// <summary>The claim of docs/behaviour.md §3 through the real API: order, pauses, prefetch, limits, long-poll.</summary>
public sealed class ClaimTests
{
    [Fact]
    public async Task Claim_PriorityBeatsLateness_HighPriorityQueueFirst()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        await client.CreateWorkQueueAsync("p", new WorkQueueCreate("urgent", Priority: 1));
        var deployment = await client.DeploymentAsync("p");
        var dayLate = await client.RunAsync(deployment, TimeProvider.System.GetUtcNow().AddDays(-1), queue: "default");
        var urgent = await client.RunAsync(deployment, queue: "urgent");

        var first = await client.ClaimAsync("p", max: 1);
        var second = await client.ClaimAsync("p", max: 1);

        Assert.Equal(urgent.Id, Assert.Single(first.Runs).FlowRun.Id);
        Assert.Equal(dayLate.Id, Assert.Single(second.Runs).FlowRun.Id);
        Assert.Equal(StateType.Pending, first.Runs[0].FlowRun.State.Type);
        Assert.Equal("w1", first.Runs[0].FlowRun.WorkerName);
    }

    [Fact]
    public async Task Claim_WithinQueue_OldestScheduledTimeFirst()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var now = TimeProvider.System.GetUtcNow();
        var later = await client.RunAsync(deployment, now.AddSeconds(-1));
        var earlier = await client.RunAsync(deployment, now.AddMinutes(-5));

        var claim = await client.ClaimAsync("p", max: 2);

        Assert.Equal([earlier.Id, later.Id], claim.Runs.Select(r => r.FlowRun.Id));
        Assert.Equal(deployment.Id, claim.Runs[0].Deployment.Id);
        Assert.Equal("p", claim.WorkPool.Name);
    }

    [Fact]
    public async Task Claim_PausedPoolOrQueue_DeliversNothingUntilResumed()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        await client.RunAsync(deployment);

        await client.PauseWorkPoolAsync("p");
        Assert.Empty((await client.ClaimAsync("p")).Runs);
        await client.ResumeWorkPoolAsync("p");
        await client.PauseWorkQueueAsync("p", "default");
        Assert.Empty((await client.ClaimAsync("p")).Runs);
        await client.ResumeWorkQueueAsync("p", "default");
        Assert.Single((await client.ClaimAsync("p")).Runs);
    }

    [Fact]
    public async Task Claim_PrefetchWindow_OnlyRunsDueWithinIt()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var now = TimeProvider.System.GetUtcNow();
        var soon = await client.RunAsync(deployment, now.AddSeconds(5));
        await client.RunAsync(deployment, now.AddMinutes(10));

        Assert.Empty((await client.ClaimAsync("p", prefetchSeconds: 0)).Runs);
        var claim = await client.ClaimAsync("p", prefetchSeconds: 10);

        Assert.Equal(soon.Id, Assert.Single(claim.Runs).FlowRun.Id);
        var wait = await client.SetFlowRunStateAsync(soon.Id, new StateProposal(StateType.Running));
        Assert.Equal(SetStateStatus.Wait, wait.Status);
        Assert.InRange(wait.RetryAfterSeconds!.Value, 0.1, 5.1);
    }

    /// <summary>
    /// A RUNNING proposal within the server's hold window before the run's due time is answered at the due time, accepted,
    /// instead of WAIT and a second round trip. The window is widened here so that the proposal is surely early on a busy
    /// machine; flow hosts propose 100 ms ahead against the default 250 ms.
    /// </summary>
    [Fact]
    public async Task Running_ProposedWithinTheHoldWindow_AnsweredAtTheDueTime()
    {
        // Ten seconds for the create and the claim before the due time, however loaded the machine.
        var (server, runs, due) = await ClaimedAheadAsync(1, TimeSpan.FromSeconds(10));
        await using var _ = server;
        var client = server.Client;

        var proposed = TimeProvider.System.GetUtcNow();
        var answer = await client.SetFlowRunStateAsync(runs[0], new StateProposal(StateType.Running));
        var answered = TimeProvider.System.GetUtcNow();

        Assert.True(proposed < due, $"the proposal went at {proposed:O}, not before the due time {due:O}: the machine was too slow for this test");
        Assert.Equal(SetStateStatus.Accept, answer.Status);
        Assert.Equal(StateType.Running, answer.State.Type);
        // Stored times are milliseconds: the run did not start before its time, and the answer waited for it.
        Assert.True(answer.State.Timestamp >= due.AddMilliseconds(-1), $"RUNNING at {answer.State.Timestamp:O}, due {due:O}");
        Assert.True(answered >= due.AddMilliseconds(-1), $"answered at {answered:O}, due {due:O}");
    }

    /// <summary>
    /// RUNNING proposals held for runs due at the same time are decided together, in one write at the due time: every
    /// answer is ACCEPT with the same RUNNING timestamp, not one after another behind the single writer.
    /// </summary>
    [Fact]
    public async Task Running_HeldProposalsDueAtOneTime_DecidedTogetherAtTheDueTime()
    {
        var (server, runs, due) = await ClaimedAheadAsync(5, TimeSpan.FromSeconds(10));
        await using var _ = server;
        var client = server.Client;

        var answers = await Task.WhenAll(runs.Select(id => client.SetFlowRunStateAsync(id, new StateProposal(StateType.Running))));

        Assert.All(answers, answer => Assert.Equal((SetStateStatus.Accept, StateType.Running), (answer.Status, answer.State.Type)));
        Assert.All(answers, answer => Assert.True(answer.State.Timestamp >= due.AddMilliseconds(-1), $"RUNNING at {answer.State.Timestamp:O}, due {due:O}"));
        Assert.Single(answers.Select(answer => answer.State.Timestamp).Distinct());
    }

    /// <summary>
    /// Each held proposal's audit entry is written in the transaction that decides it, so no run starts without its entry;
    /// an entry the store refuses fails its own proposal only: that run is not started, and the others of its batch start,
    /// each with its entry.
    /// </summary>
    [Fact]
    public async Task Running_HeldProposalsDueAtOneTime_OneEntryRefused_OnlyThatRunNotStarted_EveryStartedRunHasItsEntry()
    {
        var (server, runs, due) = await ClaimedAheadAsync(4, TimeSpan.FromSeconds(10));
        await using var _ = server;
        var client = server.Client;
        var database = server.Server.Services.GetRequiredService<Storage.BosunDatabase>();
        var refused = runs[2];
        await AuditRefusal.RefuseAsync(database, refused.ToString());

        var answers = await Task.WhenAll(runs.Select(async id => id == refused
            ? (await ApiAssert.FailsAsync(HttpStatusCode.InternalServerError, () => client.SetFlowRunStateAsync(id, new StateProposal(StateType.Running)))).StatusCode
            : (await client.SetFlowRunStateAsync(id, new StateProposal(StateType.Running))).Status == SetStateStatus.Accept ? HttpStatusCode.OK : HttpStatusCode.Conflict));
        await AuditRefusal.AllowAsync(database);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.InternalServerError, HttpStatusCode.OK], answers);
        var entries = (await client.ListAuditEntriesAsync(TimeSpan.FromHours(1))).Items.Where(entry => entry.Action == "SetFlowRunState").ToList();
        foreach (var run in runs)
        {
            var state = (await client.GetFlowRunAsync(run)).State;
            var entry = entries.Where(entry => entry.Route.Contains(run.ToString(), StringComparison.Ordinal)).ToList();
            if (run == refused)
            {
                Assert.Equal(StateType.Pending, state.Type);
                Assert.Empty(entry);
            }
            else
            {
                Assert.Equal(StateType.Running, state.Type);
                Assert.True(state.Timestamp >= due.AddMilliseconds(-1), $"RUNNING at {state.Timestamp:O}, due {due:O}");
                Assert.Equal(200, Assert.Single(entry).Status);
            }
        }
    }

    /// <summary>A held RUNNING proposal whose caller gives up before the due time is not decided: the run is not started behind its back.</summary>
    [Fact]
    public async Task Running_HeldProposalAbandonedBeforeTheDueTime_RunNotStarted()
    {
        var (server, runs, due) = await ClaimedAheadAsync(1, TimeSpan.FromSeconds(8));
        await using var _ = server;
        var client = server.Client;

        using (var giveUp = new CancellationTokenSource())
        {
            var proposal = client.SetFlowRunStateAsync(runs[0], new StateProposal(StateType.Running), giveUp.Token);
            await Eventually.WaitUntilAsync(() => Task.FromResult(server.Server.Services.GetRequiredService<HeldProposals>().Count == 1), "the proposal is held");
            await giveUp.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => proposal);
        }

        await Eventually.WaitUntilAsync(() => Task.FromResult(server.Server.Services.GetRequiredService<HeldProposals>().Count == 0), "the abandoned proposal is dropped");
        await Eventually.WaitUntilAsync(() => Task.FromResult(TimeProvider.System.GetUtcNow() > due.AddSeconds(1)), "the due time has passed", TimeSpan.FromSeconds(30));
        Assert.Equal(StateType.Pending, (await client.GetFlowRunAsync(runs[0])).State.Type);
    }

    /// <summary>
    /// A server that holds RUNNING proposals up to a minute early (so that a proposal is surely early on a busy machine;
    /// flow hosts propose 100 ms ahead against the default 250 ms), and <paramref name="count"/> runs due in
    /// <paramref name="dueIn"/>, claimed ahead (PENDING).
    /// </summary>
    private static async Task<(TestServer Server, Guid[] Runs, DateTimeOffset Due)> ClaimedAheadAsync(int count, TimeSpan dueIn)
    {
        var server = await TestServer.StartAsync(configure: options => options.DueHold = TimeSpan.FromSeconds(60));
        try
        {
            var client = server.Client;
            await client.PoolAsync("p");
            var deployment = await client.DeploymentAsync("p");
            var due = TimeProvider.System.GetUtcNow() + dueIn;
            var runs = new Guid[count];
            for (var i = 0; i < count; i++)
            {
                runs[i] = (await client.RunAsync(deployment, due)).Id;
            }

            Assert.Equal(runs.Order(), (await client.ClaimAsync("p", max: count, prefetchSeconds: 30)).Runs.Select(run => run.FlowRun.Id).Order());
            return (server, runs, due);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task Claim_AwaitingRetryRuns_AreNeverClaimed()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var run = await client.CreateFlowRunAsync(deployment.Id, new Contracts.FlowRuns.FlowRunCreate(Retries: 1));
        Assert.Single((await client.ClaimAsync("p")).Runs);
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));

        var failed = await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Failed, Message: "boom"));

        Assert.Equal(SetStateStatus.Reject, failed.Status);
        Assert.Equal(StateNames.AwaitingRetry, failed.State.Name);
        Assert.Empty((await client.ClaimAsync("p", prefetchSeconds: 3600)).Runs);
    }

    [Theory]
    [InlineData("pool")]
    [InlineData("queue")]
    [InlineData("deployment")]
    public async Task Claim_Limit_NeverExceededAndFreedOnCompletion(string limited)
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p", limit: limited == "pool" ? 2 : null);
        if (limited == "queue")
        {
            await client.SetWorkQueueConcurrencyLimitAsync("p", "default", 2);
        }

        var deployment = await client.DeploymentAsync("p", limit: limited == "deployment" ? 2 : null);
        for (var i = 0; i < 5; i++)
        {
            await client.RunAsync(deployment);
        }

        var first = await client.ClaimAsync("p", max: 10);
        Assert.Equal(2, first.Runs.Count);
        Assert.Empty((await client.ClaimAsync("p", max: 10, worker: "w2")).Runs);

        var waiting = (await client.ListFlowRunsAsync(new(States: [StateType.Scheduled]))).Items[0];
        var reason = (await client.GetFlowRunAsync(waiting.Id)).WaitingReason;
        Assert.Contains("limit 2", reason, StringComparison.Ordinal);
        Assert.Contains(first.Runs[0].FlowRun.Name, reason, StringComparison.Ordinal);

        await client.CompleteAsync(first.Runs[0].FlowRun.Id);
        Assert.Single((await client.ClaimAsync("p", max: 10)).Runs);
    }

    [Fact]
    public async Task Claim_LimitSetAfterEarlierClaims_IsRespectedAtOnce()
    {
        // The server remembers a pool as unlimited from earlier claims; the claim must notice the new limit all the same.
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        for (var i = 0; i < 4; i++)
        {
            await client.RunAsync(deployment);
        }

        Assert.Single((await client.ClaimAsync("p", max: 1)).Runs);
        await client.SetWorkPoolConcurrencyLimitAsync("p", 2);

        Assert.Single((await client.ClaimAsync("p", max: 10)).Runs);
        Assert.Empty((await client.ClaimAsync("p", max: 10, worker: "w2")).Runs);
    }

    [Fact]
    public async Task Claim_PoolRememberedAsUnlimited_KeepsQueueOrderLimitsPausesAndNames()
    {
        // After its first claim the server reads a pool's first page of candidates ahead, with the bookkeeping; what it
        // hands out must be what the claim's loop over the queues would have handed out.
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        await client.CreateWorkQueueAsync("p", new WorkQueueCreate("urgent", Priority: 1));
        await client.CreateWorkQueueAsync("p", new WorkQueueCreate("low", Priority: 3));
        var deployment = await client.DeploymentAsync("p");
        Assert.Empty((await client.ClaimAsync("p")).Runs);

        await client.SetWorkQueueConcurrencyLimitAsync("p", "urgent", 1);
        var urgent = new[] { await client.RunAsync(deployment, queue: "urgent"), await client.RunAsync(deployment, queue: "urgent") };
        var normal = await client.RunAsync(deployment, queue: "default");
        var low = await client.RunAsync(deployment, queue: "low");

        var first = await client.ClaimAsync("p", max: 2);
        Assert.Equal([urgent[0].Id, normal.Id], first.Runs.Select(run => run.FlowRun.Id));

        await client.PauseWorkQueueAsync("p", "low");
        Assert.Empty((await client.ClaimAsync("p", max: 5, worker: "w2")).Runs);
        await client.ResumeWorkQueueAsync("p", "low");

        Assert.Equal(low.Id, Assert.Single((await client.ClaimAsync("p", max: 5, worker: "w2", queues: ["low"])).Runs).FlowRun.Id);
        await client.CompleteAsync(first.Runs[0].FlowRun.Id);
        Assert.Equal(urgent[1].Id, Assert.Single((await client.ClaimAsync("p", max: 5)).Runs).FlowRun.Id);
    }

    [Fact]
    public async Task Claim_PoolDeletedAndCreatedAgain_ClaimsFromTheNewPool()
    {
        // The server remembers the pool's id from the first claim; the pool of that name is a different one afterwards.
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        Assert.Empty((await client.ClaimAsync("p")).Runs);
        var first = (await client.GetWorkPoolAsync("p")).Id;

        await client.DeleteWorkPoolAsync("p");
        await client.PoolAsync("p");
        var run = await client.RunAsync(await client.DeploymentAsync("p", name: "again"));

        var claim = await client.ClaimAsync("p");
        Assert.NotEqual(first, claim.WorkPool.Id);
        Assert.Equal(run.Id, Assert.Single(claim.Runs).FlowRun.Id);
        Assert.Contains(await client.ListWorkersAsync("p"), worker => worker.Name == "w1");

        await client.DeleteWorkPoolAsync("p", force: true);
        var gone = await Assert.ThrowsAsync<Bosun.Client.BosunApiException>(() => client.ClaimAsync("p"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Claim_PoolLimitZero_DeliversNothing()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p", limit: 0);
        await client.RunAsync(await client.DeploymentAsync("p"));

        Assert.Empty((await client.ClaimAsync("p")).Runs);
    }

    [Fact]
    public async Task Claim_DeploymentCancelNew_CancelsSurplusRuns()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p", limit: 1, strategy: CollisionStrategy.CancelNew);
        var runs = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            runs.Add((await client.RunAsync(deployment, TimeProvider.System.GetUtcNow().AddSeconds(-10 + i))).Id);
        }

        var claim = await client.ClaimAsync("p", max: 3);

        Assert.Equal(runs[0], Assert.Single(claim.Runs).FlowRun.Id);
        Assert.Equal(StateType.Cancelled, (await client.GetFlowRunAsync(runs[1])).State.Type);
        Assert.Equal(StateType.Cancelled, (await client.GetFlowRunAsync(runs[2])).State.Type);
    }

    [Fact]
    public async Task Claim_OnlyNamedQueues_AreServed()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        await client.CreateWorkQueueAsync("p", new WorkQueueCreate("other"));
        var deployment = await client.DeploymentAsync("p");
        await client.RunAsync(deployment, queue: "default");
        var onOther = await client.RunAsync(deployment, queue: "other");

        var claim = await client.ClaimAsync("p", queues: ["other"]);

        Assert.Equal(onOther.Id, Assert.Single(claim.Runs).FlowRun.Id);
        await ApiAssert.FailsAsync(System.Net.HttpStatusCode.NotFound, () => client.ClaimAsync("p", queues: ["nope"]), "nope", "default");
    }

    [Fact]
    public async Task Claim_CountsAsPoll_WorkerOnlineQueueAndDeploymentReady()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        Assert.Equal(ReadinessStatus.NotReady, (await client.GetWorkPoolAsync("p")).Status);
        Assert.Equal(ReadinessStatus.NotReady, (await client.GetDeploymentAsync(deployment.Id)).Status);

        await client.ClaimAsync("p", worker: "poller");

        Assert.Equal(ReadinessStatus.Ready, (await client.GetWorkPoolAsync("p")).Status);
        Assert.Equal(ReadinessStatus.Ready, (await client.GetWorkQueueAsync("p", "default")).Status);
        Assert.Equal(ReadinessStatus.Ready, (await client.GetDeploymentAsync(deployment.Id)).Status);
        var worker = Assert.Single(await client.ListWorkersAsync("p"));
        Assert.Equal("poller", worker.Name);
        Assert.Equal(WorkerStatus.Online, worker.Status);
    }

    [Fact]
    public async Task Claim_LongPoll_WakesWhenARunIsCreated()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        using var other = server.NewClient();

        var stopwatch = Stopwatch.StartNew();
        var waiting = other.ClaimAsync("p", waitSeconds: 30);
        await Eventually.WaitUntilAsync(async () => (await client.GetWorkQueueAsync("p", "default")).LastPolled is not null, "the claim has polled");
        Assert.False(waiting.IsCompleted);
        var run = await client.RunAsync(deployment);
        var claim = await waiting;

        Assert.Equal(run.Id, Assert.Single(claim.Runs).FlowRun.Id);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(25), $"the claim waited {stopwatch.Elapsed} instead of waking");
    }

    [Fact]
    public async Task Claim_LongPollForSeveral_TakesTheRunsCreatedWhileItGathers()
    {
        // A whole second of gathering: the second run is created well within it even on a loaded machine, and a claim
        // that answered as soon as it was woken would carry the first run alone.
        await using var server = await TestServer.StartAsync(configure: options => options.ClaimGather = TimeSpan.FromSeconds(1));
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        using var other = server.NewClient();

        var waiting = other.ClaimAsync("p", max: 10, waitSeconds: 30);
        await Eventually.WaitUntilAsync(async () => (await client.GetWorkQueueAsync("p", "default")).LastPolled is not null, "the claim has polled");
        var first = await client.RunAsync(deployment);
        var second = await client.RunAsync(deployment);
        var claim = await waiting;

        Assert.Equal(new[] { first.Id, second.Id }.Order(), claim.Runs.Select(run => run.FlowRun.Id).Order());
    }

    [Fact]
    public async Task CreateFlowRun_InAnotherPool_DoesNotWakeThisPoolsClaims()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("a");
        var b = await client.PoolAsync("b");
        var inA = await client.DeploymentAsync("a", name: "in-a");
        var inB = await client.DeploymentAsync("b", name: "in-b");
        // With PostgreSQL, a replica wakes every claim once when it starts listening (for what it may have missed).
        await server.HostedService<ReplicaNotifications>().Ready.WaitAsync(TimeSpan.FromSeconds(90));
        var signal = server.Server.Services.GetRequiredService<ClaimSignal>();

        var waitingInB = signal.NextAsync(b.Id);
        await client.RunAsync(inA);
        Assert.False(waitingInB.IsCompleted, "a run created in pool a woke the claims waiting in pool b");

        await client.RunAsync(inB);
        Assert.True(waitingInB.IsCompleted, "a run created in pool b did not wake its claims");
    }

    [Fact]
    public async Task Claim_LongPoll_WakesWhenAFutureRunComesDue()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var run = await client.RunAsync(deployment, TimeProvider.System.GetUtcNow().AddSeconds(2));

        var claim = await client.ClaimAsync("p", prefetchSeconds: 0, waitSeconds: 20);

        Assert.Equal(run.Id, Assert.Single(claim.Runs).FlowRun.Id);
    }

    [Fact]
    public async Task Claim_LongPoll_AnswersEmptyAtItsDeadline()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");

        var claim = await server.Client.ClaimAsync("p", waitSeconds: 0.3);

        Assert.Empty(claim.Runs);
    }
}
