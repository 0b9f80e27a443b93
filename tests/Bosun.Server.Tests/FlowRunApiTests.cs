using System.Net;
using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Server.Storage;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>Flow runs through the API: states with bookkeeping, history, cancel, infrastructure, filters, waiting reasons.</summary>
public sealed class FlowRunApiTests
{
    [Fact]
    public async Task SetState_FullLifecycle_KeepsBookkeepingAndHistory()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var run = await client.RunAsync(await client.DeploymentAsync("p"));
        await client.ClaimAsync("p");
        Assert.Equal(SetStateStatus.Accept, (await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Pending, StateNames.Submitting))).Status);
        await client.SetFlowRunInfrastructureAsync(run.Id, "pid-42");

        await client.CompleteAsync(run.Id);

        var done = await client.GetFlowRunAsync(run.Id);
        Assert.Equal(StateType.Completed, done.State.Type);
        Assert.Equal(1, done.RunCount);
        Assert.NotNull(done.StartTime);
        Assert.NotNull(done.EndTime);
        Assert.True(done.EndTime >= done.StartTime);
        Assert.Null(done.NextScheduledStartTime);
        Assert.Equal("pid-42", done.InfrastructureId);
        Assert.Null(done.WaitingReason);
        var history = await client.GetFlowRunStatesAsync(run.Id);
        Assert.Equal(["Scheduled", "Pending", "Submitting", "Running", "Completed"], history.Select(s => s.Name));
    }

    [Fact]
    public async Task SetState_SameTransitionIdTwice_IsIdempotent()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var run = await client.RunAsync(await client.DeploymentAsync("p"));
        await client.ClaimAsync("p");
        var running = await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));

        var again = await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running, TransitionId: running.State.Id));

        Assert.Equal(SetStateStatus.Accept, again.Status);
        Assert.Equal(running.State.Id, again.State.Id);
        Assert.Equal(1, (await client.GetFlowRunAsync(run.Id)).RunCount);
    }

    [Fact]
    public async Task SetState_ConcurrentFinalStates_ExactlyOneWinsAndIsRecordedOnce()
    {
        // Proposals are decided on the state read and written only if it is still the state: the losers of a race read
        // again and are judged against the winner's state.
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var run = await client.RunAsync(await client.DeploymentAsync("p"));
        await client.ClaimAsync("p");
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));

        var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            client.SetFlowRunStateAsync(run.Id, new StateProposal(i % 2 == 0 ? StateType.Completed : StateType.Failed, Message: $"proposal {i}"))));

        var winner = Assert.Single(answers, answer => answer.Status == SetStateStatus.Accept);
        var final = await client.GetFlowRunAsync(run.Id);
        Assert.Equal(winner.State.Id, final.State.Id);
        Assert.Equal(1, final.RunCount);
        var history = await client.GetFlowRunStatesAsync(run.Id);
        Assert.Equal([StateType.Scheduled, StateType.Pending, StateType.Running, winner.State.Type], history.Select(state => state.Type));
        Assert.All(answers.Where(answer => answer != winner), answer => Assert.Equal(winner.State.Id, answer.State.Id));
    }

    [Fact]
    public async Task SetState_WhileTheWorkerRecordsInfrastructure_NeitherIsLost()
    {
        // A worker records the container's id while the flow inside it already proposes RUNNING: the state change must
        // not write back the infrastructure id it read before.
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        for (var i = 0; i < 40; i++)
        {
            var run = await client.RunAsync(deployment);
            await client.ClaimAsync("p", max: 1);

            await Task.WhenAll(
                client.SetFlowRunInfrastructureAsync(run.Id, $"container-{i}"),
                client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running)));

            var after = await client.GetFlowRunAsync(run.Id);
            Assert.Equal((StateType.Running, $"container-{i}"), (after.State.Type, after.InfrastructureId));
        }
    }

    [Fact]
    public async Task SetState_Retries_ThreeAttemptsInHistory()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(Retries: 2));
        await client.ClaimAsync("p");

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            Assert.Equal(SetStateStatus.Accept, (await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running))).Status);
            var failed = await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Failed, Message: $"attempt {attempt}"));
            Assert.Equal(attempt < 3 ? StateNames.AwaitingRetry : "Failed", failed.State.Name);
        }

        var final = await client.GetFlowRunAsync(run.Id);
        Assert.Equal((StateType.Failed, 3), (final.State.Type, final.RunCount));
        Assert.Equal(3, (await client.GetFlowRunStatesAsync(run.Id)).Count(s => s.Type == StateType.Running));
    }

    [Fact]
    public async Task SetState_SameTransitionIdAgain_AnsweredWithoutWritingTwice()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var run = await client.RunAsync(await client.DeploymentAsync("p"));
        await client.ClaimAsync("p");
        var running = new StateProposal(StateType.Running, TransitionId: Guid.NewGuid());

        var first = await client.SetFlowRunStateAsync(run.Id, running);
        var again = await client.SetFlowRunStateAsync(run.Id, running);

        Assert.Equal((SetStateStatus.Accept, running.TransitionId), (first.Status, (Guid?)first.State.Id));
        Assert.Equal((SetStateStatus.Accept, running.TransitionId), (again.Status, (Guid?)again.State.Id));
        Assert.Single(await client.GetFlowRunStatesAsync(run.Id), s => s.Type == StateType.Running);
    }

    [Fact]
    public async Task SetState_FailedRetriedAfterAwaitingRetry_RunStillRetries()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var run = await client.CreateFlowRunAsync((await client.DeploymentAsync("p")).Id, new FlowRunCreate(Retries: 1, RetryDelaySeconds: 0));
        await client.ClaimAsync("p");
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        var failed = new StateProposal(StateType.Failed, Message: "boom", TransitionId: Guid.NewGuid());
        Assert.Equal(StateNames.AwaitingRetry, (await client.SetFlowRunStateAsync(run.Id, failed)).State.Name);
        // The retry starts, then the first FAILED arrives again (its answer was lost and the client retried).
        await client.ClaimAsync("p");
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));

        var replayed = await client.SetFlowRunStateAsync(run.Id, failed);

        Assert.Equal((SetStateStatus.Abort, StateType.Running), (replayed.Status, replayed.State.Type));
        Assert.Equal(StateType.Running, (await client.GetFlowRunAsync(run.Id)).State.Type);
    }

    [Fact]
    public async Task Cancel_ScheduledRun_CancelledAtOnce()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var run = await server.Client.RunAsync(await server.Client.DeploymentAsync("p"));

        var result = await server.Client.CancelFlowRunAsync(run.Id);

        Assert.Equal(StateType.Cancelled, result.State.Type);
        Assert.Empty((await server.Client.ClaimAsync("p")).Runs);
    }

    [Fact]
    public async Task Cancel_RunningRun_CancellingUntilWorkerConfirms()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var run = await client.RunAsync(await client.DeploymentAsync("p"));
        await client.ClaimAsync("p");
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));

        Assert.Equal(StateType.Cancelling, (await client.CancelFlowRunAsync(run.Id)).State.Type);
        Assert.Equal(SetStateStatus.Abort, (await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Completed))).Status);
        Assert.Equal(StateType.Cancelled, (await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Cancelled))).State.Type);
    }

    [Fact]
    public async Task ManualRetry_OfFailedRun_IsClaimableAgain()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var run = await client.RunAsync(await client.DeploymentAsync("p"));
        await client.ClaimAsync("p");
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Crashed, Message: "exit 137"));

        var retried = await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Scheduled));

        Assert.Equal(SetStateStatus.Accept, retried.Status);
        Assert.Equal(run.Id, Assert.Single((await client.ClaimAsync("p")).Runs).FlowRun.Id);
    }

    [Fact]
    public async Task ListFlowRuns_Filters_ByStateFlowPoolAndSearch()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        await client.PoolAsync("q");
        var a = await client.DeploymentAsync("p", flow: "flow-a");
        var b = await client.DeploymentAsync("q", flow: "flow-b");
        await client.RunAsync(a, name: "alpha-one");
        await client.RunAsync(a, name: "alpha-two");
        var beta = await client.RunAsync(b, name: "beta-one");
        await client.CancelFlowRunAsync(beta.Id);

        Assert.Equal(2, (await client.ListFlowRunsAsync(new FlowRunFilter(FlowName: "flow-a"))).Total);
        Assert.Equal("beta-one", Assert.Single((await client.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Cancelled]))).Items).Name);
        Assert.Equal(1, (await client.ListFlowRunsAsync(new FlowRunFilter(WorkPoolName: "q"))).Total);
        Assert.Equal(2, (await client.ListFlowRunsAsync(new FlowRunFilter(Search: "alpha"))).Total);
        Assert.Single((await client.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: a.Id, Limit: 1))).Items);
        Assert.Equal(0, (await client.ListFlowRunsAsync(new FlowRunFilter(ExpectedStartAfter: TimeProvider.System.GetUtcNow().AddHours(1)))).Total);
    }

    [Fact]
    public async Task ListFlowRuns_MoreMatchesThanTheCountLimit_CountStopsThereAsALowerBound()
    {
        await using var server = await TestServer.StartAsync(configure: options => options.ListCountLimit = 3);
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        for (var i = 0; i < 3; i++)
        {
            await client.RunAsync(deployment);
        }

        var atTheLimit = await client.ListFlowRunsAsync(new FlowRunFilter(Limit: 2));
        Assert.Equal((3, false), (atTheLimit.Total, atTheLimit.TotalIsLowerBound));

        // Named: two of five random names ("brave-heron", 1,980 of them) are alike once in ~500 runs of this test.
        for (var i = 0; i < 2; i++)
        {
            await client.RunAsync(deployment, name: $"counted-{i}");
        }

        var past = await client.ListFlowRunsAsync(new FlowRunFilter(Limit: 2));
        Assert.Equal((3, true), (past.Total, past.TotalIsLowerBound));
        Assert.Equal(2, past.Items.Count);
        var filtered = await client.ListFlowRunsAsync(new FlowRunFilter(Search: "counted-1", Limit: 2));
        Assert.Equal((1, false), (filtered.Total, filtered.TotalIsLowerBound));
        using var http = new HttpClient { BaseAddress = server.Server.BaseAddress };
        var wire = JsonNode.Parse(await http.GetStringAsync(new Uri("api/flow_runs?limit=1", UriKind.Relative)))!;
        Assert.Equal((3, true), (wire["total"]!.GetValue<int>(), wire["total_is_lower_bound"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task ListFlowRuns_FollowingNextCursor_VisitsEveryRunOnceInListOrder()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var at = TimeProvider.System.GetUtcNow().AddHours(1);
        // Runs that share an expected start are ordered by id: a cursor must neither skip nor repeat them.
        for (var i = 0; i < 8; i++)
        {
            await client.RunAsync(deployment, at: at.AddMinutes(i % 3));
        }

        var all = await client.ListFlowRunsAsync(new FlowRunFilter(Limit: 100));
        var visited = new List<Guid>();
        var page = await client.ListFlowRunsAsync(new FlowRunFilter(Limit: 3));
        Assert.Equal(8, page.Total);
        visited.AddRange(page.Items.Select(run => run.Id));
        while (page.NextCursor is { } cursor)
        {
            page = await client.ListFlowRunsAsync(new FlowRunFilter(Limit: 3) { Cursor = cursor });
            Assert.Equal(-1, page.Total);
            visited.AddRange(page.Items.Select(run => run.Id));
        }

        Assert.Equal(all.Items.Select(run => run.Id), visited);
        Assert.Null(all.NextCursor);
        Assert.Equal(2, page.Items.Count);
        var uncounted = await client.ListFlowRunsAsync(new FlowRunFilter(Limit: 3) { IncludeTotal = false });
        Assert.Equal(-1, uncounted.Total);
        Assert.Equal(visited.Take(3), uncounted.Items.Select(run => run.Id));
    }

    [Fact]
    public async Task ListFlowRuns_PageAtAnOffset_IsThatSliceOfTheListInOrder()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        await client.CreateWorkQueueAsync("p", new WorkQueueCreate("q"));
        var deployment = await client.DeploymentAsync("p");
        var at = TimeProvider.System.GetUtcNow().AddHours(1);
        // Runs that share an expected start are ordered by id; every third is in queue "q" (the filter below).
        for (var i = 0; i < 9; i++)
        {
            await client.RunAsync(deployment, at: at.AddMinutes(i % 4), queue: i % 3 == 0 ? "q" : null);
        }

        var all = (await client.ListFlowRunsAsync(new FlowRunFilter(Limit: 100))).Items.Select(run => run.Id).ToList();
        var page = await client.ListFlowRunsAsync(new FlowRunFilter(Offset: 2, Limit: 4));
        Assert.Equal(all.Skip(2).Take(4), page.Items.Select(run => run.Id));
        Assert.Equal(9, page.Total);
        Assert.NotNull(page.NextCursor);
        var last = await client.ListFlowRunsAsync(new FlowRunFilter(Offset: 7, Limit: 4));
        Assert.Equal(all.Skip(7), last.Items.Select(run => run.Id));
        Assert.Null(last.NextCursor);
        Assert.Empty((await client.ListFlowRunsAsync(new FlowRunFilter(Offset: 9))).Items);

        var inQueue = (await client.ListFlowRunsAsync(new FlowRunFilter(WorkQueueName: "q", Limit: 100))).Items.Select(run => run.Id).ToList();
        Assert.Equal(3, inQueue.Count);
        var filtered = await client.ListFlowRunsAsync(new FlowRunFilter(WorkQueueName: "q", Offset: 1, Limit: 1));
        Assert.Equal(inQueue.Skip(1).Take(1), filtered.Items.Select(run => run.Id));
        Assert.Equal((3, "q"), (filtered.Total, filtered.Items.Single().WorkQueueName));
    }

    [Fact]
    public async Task ListFlowRuns_DeepPagesOfTheWholeList_AreThatSliceOfTheCursorWalk()
    {
        // Past an offset of 10,000 a page of the unfiltered list on SQLite is read from the list's far end when nearer
        // it (FlowRunStore.ReadFromTheEndBeyond); PostgreSQL walks from the start. Both must give the same slices.
        const int runs = FlowRunStore.ReadFromTheEndBeyond + 250;
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var at = TimeProvider.System.GetUtcNow().AddHours(1);
        // Every seven runs share an expected start, ordered among themselves by id.
        for (var created = 0; created < runs; created += 100)
        {
            await client.CreateFlowRunsAsync(deployment.Id,
                [.. Enumerable.Range(created, Math.Min(100, runs - created)).Select(i => new FlowRunCreate(ScheduledStartTime: at.AddSeconds(i / 7)))]);
        }

        var walked = new List<Guid>();
        for (string? cursor = null; walked.Count == 0 || cursor is not null;)
        {
            var page = await client.ListFlowRunsAsync(new FlowRunFilter(Limit: 500) { Cursor = cursor, IncludeTotal = false });
            walked.AddRange(page.Items.Select(run => run.Id));
            cursor = page.NextCursor;
        }

        Assert.Equal(runs, walked.Distinct().Count());
        foreach (var (offset, limit) in new[] { (runs / 2 + 1, 100), (runs - 300, 100), (runs - 250, 250), (runs - 101, 100), (runs - 100, 100), (runs - 7, 100), (runs - 1, 1) })
        {
            var page = await client.ListFlowRunsAsync(new FlowRunFilter(Offset: offset, Limit: limit));
            Assert.Equal(walked.Skip(offset).Take(limit), page.Items.Select(run => run.Id));
            Assert.Equal(offset + limit < runs, page.NextCursor is not null);
            if (page.NextCursor is { } next)
            {
                // The cursor a deep page answers goes on where the walk does.
                var after = await client.ListFlowRunsAsync(new FlowRunFilter(Limit: 3) { Cursor = next });
                Assert.Equal(walked.Skip(offset + limit).Take(3), after.Items.Select(run => run.Id));
            }
        }

        Assert.Empty((await client.ListFlowRunsAsync(new FlowRunFilter(Offset: runs))).Items);
        Assert.Empty((await client.ListFlowRunsAsync(new FlowRunFilter(Offset: runs + 5_000))).Items);
    }

    [Fact]
    public async Task ListFlowRuns_ByWorkerName_OnlyTheRunsThatWorkerClaimed_InBodyAndQuery()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        for (var i = 0; i < 5; i++)
        {
            await client.RunAsync(deployment);
        }

        var first = (await client.ClaimAsync("p", max: 3, worker: "w1")).Runs.Select(run => run.FlowRun.Id).ToHashSet();
        var second = (await client.ClaimAsync("p", max: 1, worker: "w2")).Runs.Select(run => run.FlowRun.Id).ToHashSet();

        var byBody = await client.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Pending], WorkPoolName: "p", Limit: 2) { WorkerName = "w1" });
        var byBodyNext = await client.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Pending], WorkPoolName: "p", Limit: 2)
        {
            WorkerName = "w1", Cursor = byBody.NextCursor,
        });
        using var http = new HttpClient { BaseAddress = server.ApiUrl };
        var byQuery = JsonNode.Parse(await http.GetStringAsync(new Uri("flow_runs?worker_name=w2", UriKind.Relative)))!;

        Assert.Equal(3, byBody.Total);
        Assert.Equal(first, byBody.Items.Concat(byBodyNext.Items).Select(run => run.Id).ToHashSet());
        Assert.All(byBody.Items.Concat(byBodyNext.Items), run => Assert.Equal("w1", run.WorkerName));
        Assert.Equal(second, byQuery["items"]!.AsArray().Select(run => Guid.Parse(run!["id"]!.GetValue<string>())).ToHashSet());
        Assert.Empty((await client.ListFlowRunsAsync(new FlowRunFilter { WorkerName = "nobody" })).Items);
        Assert.Equal(1, (await client.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Scheduled]))).Total);
    }

    [Fact]
    public async Task ListFlowRuns_ForeignCursorIs400CursorWithOffsetIs422_NamingTheCursor()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;

        var foreign = await Assert.ThrowsAsync<BosunApiException>(() => client.ListFlowRunsAsync(new FlowRunFilter { Cursor = "page-2" }));
        var withOffset = await Assert.ThrowsAsync<BosunApiException>(() =>
            client.ListFlowRunsAsync(new FlowRunFilter(Offset: 5) { Cursor = $"0_{Guid.NewGuid():N}" }));

        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, withOffset.StatusCode);
        Assert.All([foreign, withOffset], refused => Assert.True(refused.Errors.ContainsKey("cursor"), refused.Message));
    }

    [Fact]
    public async Task WaitingReason_PausedPoolThenNoWorker()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var run = await client.RunAsync(await client.DeploymentAsync("p"));

        Assert.Contains("no worker online for pool 'p'", (await client.GetFlowRunAsync(run.Id)).WaitingReason, StringComparison.Ordinal);
        await client.PauseWorkPoolAsync("p");
        Assert.Contains("pool 'p' is paused", (await client.GetFlowRunAsync(run.Id)).WaitingReason, StringComparison.Ordinal);
        await client.ResumeWorkPoolAsync("p");
        await client.PauseWorkQueueAsync("p", "default");
        Assert.Contains("queue 'default' of pool 'p' is paused", (await client.GetFlowRunAsync(run.Id)).WaitingReason, StringComparison.Ordinal);
        var future = await client.RunAsync(await client.DeploymentAsync("p"), TimeProvider.System.GetUtcNow().AddHours(2));
        Assert.StartsWith("scheduled for", (await client.GetFlowRunAsync(future.Id)).WaitingReason, StringComparison.Ordinal);
    }

    /// <summary>
    /// A create answers with the waiting reason a read of the run gives, for each obstacle of its pool and queue: the
    /// create reads them with its deployment (one round trip fewer on PostgreSQL), and a run sent to another queue than its
    /// deployment's is answered with that queue's reason, not the deployment's.
    /// </summary>
    [Fact]
    public async Task Create_AnswersWithTheWaitingReasonAReadGives_ForEachObstacleOfItsPoolAndQueue()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        await client.CreateWorkQueueAsync("p", new WorkQueueCreate("other", Paused: true));

        async Task<FlowRun> CreatedAsync(string expected, string? queue = null)
        {
            var run = await client.RunAsync(deployment, queue: queue);
            Assert.Contains(expected, run.WaitingReason, StringComparison.Ordinal);
            Assert.Equal((await client.GetFlowRunAsync(run.Id)).WaitingReason, run.WaitingReason);
            return run;
        }

        var first = await CreatedAsync("no worker online for pool 'p'");
        await client.SendWorkerHeartbeatAsync("p", new WorkerHeartbeat("w1"));
        await CreatedAsync("waiting for a worker of pool 'p' to claim it");
        await CreatedAsync("queue 'other' of pool 'p' is paused", queue: "other");
        await client.PauseWorkQueueAsync("p", "default");
        await CreatedAsync("queue 'default' of pool 'p' is paused");
        await CreatedAsync("queue 'default' of pool 'p' is paused", queue: "default");
        await client.PauseWorkPoolAsync("p");
        await CreatedAsync("pool 'p' is paused");
        await client.ResumeWorkPoolAsync("p");
        await client.ResumeWorkQueueAsync("p", "default");

        Assert.Equal(first.Id, Assert.Single((await client.ClaimAsync("p", max: 1)).Runs).FlowRun.Id);
        await client.SetWorkQueueConcurrencyLimitAsync("p", "default", 1);
        await CreatedAsync($"queue 'default' at its limit 1 (held by runs {first.Name})");
    }

    [Fact]
    public async Task DeleteFlowRun_RemovesRunAndLogs()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var run = await server.Client.RunAsync(await server.Client.DeploymentAsync("p"));

        await server.Client.DeleteFlowRunAsync(run.Id);

        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => server.Client.GetFlowRunAsync(run.Id), "does not exist");
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => server.Client.ReadLogsAsync(run.Id));
    }

    [Fact]
    public async Task Heartbeat_RecordedOnRun()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var run = await server.Client.RunAsync(await server.Client.DeploymentAsync("p"));

        await server.Client.SendFlowRunHeartbeatAsync(run.Id);

        Assert.NotNull((await server.Client.GetFlowRunAsync(run.Id)).LastHeartbeat);
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => server.Client.SendFlowRunHeartbeatAsync(Guid.NewGuid()));
    }
}
