using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Sdk.Tests;

/// <summary>Serving: a long-lived process of the user's executable polls for its deployment's runs, no pool or worker.</summary>
public sealed class ServeTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Serve_RunsItsDeploymentsRuns(bool inProcess)
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        string[] mode = inProcess ? ["--in-process"] : [];
        await using var serving = await ServeAsync(server, "echo", mode);
        var deployment = await client.GetDeploymentByNameAsync("echo/served");
        Assert.Null(deployment.WorkPoolName);

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["name"] = "served-world" }));
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Completed, done.State.Type);
        await client.LogsContainingAsync(run.Id, "hello served-world #1");
        await client.LogsContainingAsync(run.Id, "the run is COMPLETED");
        // A flow-run process gets a token of its own; a run in the serving process reports with its client and asks for none.
        var requests = await PrometheusText.RequestCountsAsync(server.Server.BaseAddress);
        Assert.Equal(inProcess ? 0 : 1, Requests(requests, "/token"));
        var history = await client.GetFlowRunStatesAsync(run.Id);
        if (inProcess)
        {
            // A run in the serving process beats after one interval (15 s), not at its start: this short one never did.
            Assert.Null(done.LastHeartbeat);
            // The claim started it: PENDING and RUNNING on this process in the claim's own write, by the rules, with no
            // Submitting, RUNNING or infrastructure request; its only proposal was its COMPLETED, sent through the batched
            // route that carries the final states of runs ending together (StateBatcher).
            Assert.Equal(["Scheduled", "Pending", "Running", "Completed"], history.Select(state => state.Name));
            Assert.Equal($"in-process-{serving.Id}", done.InfrastructureId);
            Assert.Equal(0, Requests(requests, "/set_state"));
            Assert.Equal(1, Requests(requests, "/set_states"));
            Assert.Equal(0, Requests(requests, "/infrastructure"));
        }
        else
        {
            Assert.Equal(["Scheduled", "Pending", "Submitting", "Running", "Completed"], history.Select(state => state.Name));
            Assert.Equal(1, Requests(requests, "/infrastructure"));
        }
    }

    /// <summary>
    /// A full serving process (limit 1) sends each ending run's COMPLETED with its claim for the slot it frees: no state
    /// request of its own, and the next run started by that claim.
    /// </summary>
    [Fact]
    public async Task Serve_InProcessFull_FinalStatesCarriedByTheClaimForTheFreedSlot()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await using var serving = await ServeAsync(server, "echo", "--in-process", "--limit", "1");
        var deployment = await client.GetDeploymentByNameAsync("echo/served");
        var before = await PrometheusText.RequestCountsAsync(server.Server.BaseAddress);

        var runs = await client.CreateFlowRunsAsync(deployment.Id, [.. Enumerable.Range(1, 3).Select(i => new FlowRunCreate(new JsonObject { ["name"] = $"carried-{i}" }))]);
        foreach (var run in runs)
        {
            Assert.Equal(StateType.Completed, (await client.WaitForTerminalAsync(run.Id)).State.Type);
            Assert.Equal(["Scheduled", "Pending", "Running", "Completed"], (await client.GetFlowRunStatesAsync(run.Id)).Select(state => state.Name));
        }

        var after = await PrometheusText.RequestCountsAsync(server.Server.BaseAddress);
        Assert.Equal(0, Requests(after, "/set_states") - Requests(before, "/set_states"));
        Assert.Equal(0, Requests(after, "/set_state") - Requests(before, "/set_state"));
    }

    /// <summary>
    /// A serving process with free slots (limit 8) whose runs end at once: after a claim brought runs, its claim loop waits
    /// a moment (WorkerRuntime.CarryWindow) before its next long-poll, so each run's COMPLETED goes with the claim that
    /// looks for the next runs instead of finding a long-poll on its way and going alone. Without the wait, every run's
    /// final state was a request of its own. A run that outlasts the wait (20 ms) still goes alone: on a machine running
    /// the suites two at a time beside stress-ng, 3 of 6 did, so the test asks only that some went with a claim.
    /// </summary>
    [Fact]
    public async Task Serve_InProcessWithFreeSlots_FinalStatesGoWithTheNextClaim()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await using var serving = await ServeAsync(server, "echo", "--in-process", "--limit", "8");
        var deployment = await client.GetDeploymentByNameAsync("echo/served");
        var before = await PrometheusText.RequestCountsAsync(server.Server.BaseAddress);

        const int runs = 6;
        for (var i = 1; i <= runs; i++)
        {
            // One at a time: each run is alone in the process, whose claim loop would otherwise be long-polling again by its end.
            var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["name"] = $"one-{i}" }));
            Assert.Equal(StateType.Completed, (await client.WaitForTerminalAsync(run.Id)).State.Type);
            Assert.Equal(["Scheduled", "Pending", "Running", "Completed"], (await client.GetFlowRunStatesAsync(run.Id)).Select(state => state.Name));
        }

        var after = await PrometheusText.RequestCountsAsync(server.Server.BaseAddress);
        Assert.Equal(0, Requests(after, "/set_state") - Requests(before, "/set_state"));
        // A run on a machine so busy that it outlasts the wait sends its state alone; without the wait every run does.
        var alone = Requests(after, "/set_states") - Requests(before, "/set_states");
        Assert.True(alone < runs, $"{alone} of {runs} final states went alone, none with a claim");
    }

    /// <summary>
    /// In-process, a run is taken at most half a second ahead of its due time, not a worker's ten: a scheduled run holds
    /// a slot that a run due now could need for half a second at most. It still starts on its time, not before.
    /// </summary>
    [Fact]
    public async Task Serve_InProcess_ScheduledRunClaimedAtMostHalfASecondAheadAndStartedOnTime()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await using var serving = await ServeAsync(server, "echo", "--in-process", "--limit", "1");
        var deployment = await client.GetDeploymentByNameAsync("echo/served");

        // Due within a worker's prefetch (10 s), which would have claimed it at once, PENDING, holding the one slot.
        var due = TimeProvider.System.GetUtcNow().AddSeconds(6);
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["name"] = "later" }, ScheduledStartTime: due));
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Completed, done.State.Type);
        var claimed = (await client.GetFlowRunStatesAsync(run.Id)).First(state => state.Type == StateType.Pending).Timestamp;
        Assert.True(claimed >= due.AddMilliseconds(-501), $"claimed at {claimed:O}, more than half a second ahead of its due time {due:O}");
        Assert.True(done.StartTime >= due.AddMilliseconds(-1), $"started at {done.StartTime:O}, before its due time {due:O}");
    }

    /// <summary>
    /// A serving process that starts a process per run takes a scheduled run no earlier than a worker would create its
    /// infrastructure (its start lead, 3 s for a process), not a worker's prefetch (10 s) ahead: such a run's process
    /// starts at its claim and holds the slot from then, so taken earlier it would keep a run due now waiting
    /// (docs/runtime.md, "Runs claimed ahead").
    /// </summary>
    [Fact]
    public async Task Serve_ProcessPerRun_ScheduledRunTakenAtItsStartLead_ARunDueNowRunsFirst()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await using var serving = await ServeAsync(server, "echo", "--limit", "1");
        var deployment = await client.GetDeploymentByNameAsync("echo/served");

        // Due within the prefetch (10 s), which took it at once: its process started and held the one slot until its time.
        var due = TimeProvider.System.GetUtcNow().AddSeconds(9.5);
        var later = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["name"] = "later" }, ScheduledStartTime: due));
        var now = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["name"] = "now" }));

        var nowDone = await client.WaitForTerminalAsync(now.Id);
        var laterDone = await client.WaitForTerminalAsync(later.Id);
        Assert.Equal(StateType.Completed, nowDone.State.Type);
        Assert.Equal(StateType.Completed, laterDone.State.Type);
        var nowClaimed = (await client.GetFlowRunStatesAsync(now.Id)).First(state => state.Type == StateType.Pending).Timestamp;
        var laterClaimed = (await client.GetFlowRunStatesAsync(later.Id)).First(state => state.Type == StateType.Pending).Timestamp;
        Assert.True(nowClaimed < laterClaimed, $"the run due now was claimed at {nowClaimed:O}, after the later run ({laterClaimed:O}) took the slot");
        // The lead is 3 s, or twice the longest recent start plus a second: a process starts in well under a second.
        Assert.True(laterClaimed >= due.AddSeconds(-6), $"the later run was claimed at {laterClaimed:O}, more than its lead before its time {due:O}");
        Assert.True(laterDone.StartTime >= due.AddMilliseconds(-1), $"started at {laterDone.StartTime:O}, before its time {due:O}");
    }

    /// <summary><c>dotnet TestFlows.dll serve --flow FLOW --name served OPTIONS</c>, once it says it is serving.</summary>
    private static Task<ChildProcess> ServeAsync(TestServer server, string flow, params string[] options) =>
        ChildProcess.ServeTestFlowAsync(flow, SdkScenario.Env(server), options);

    /// <summary>How many requests of routes ending in <paramref name="routeEnd"/> the server answered, from its request metrics on /metrics.</summary>
    private static double Requests(Dictionary<string, double> counts, string routeEnd) =>
        counts.Where(pair => pair.Key.EndsWith(routeEnd, StringComparison.Ordinal)).Sum(pair => pair.Value);

    [Fact]
    public async Task Serve_InProcessRunThatFails_HeartbeatsBeforeAwaitingItsRetry()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await using var serving = await ServeAsync(server, "flaky", "--in-process");
        var deployment = await client.GetDeploymentByNameAsync("flaky/served");

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        // Awaiting its retry, the run is watched by its heartbeat alone (the sweep reschedules it if this process dies):
        // it beat before reporting each failure, although it ran for less than one heartbeat interval.
        Assert.Equal(StateType.Failed, done.State.Type);
        Assert.Equal(3, done.RunCount);
        Assert.NotNull(done.LastHeartbeat);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Serve_Stopped_PausesDeploymentAndLeavesNothingRunning(bool inProcess)
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        string[] mode = inProcess ? ["--in-process"] : [];
        await using var serving = await ServeAsync(server, "slow", mode);
        var deployment = await client.GetDeploymentByNameAsync("slow/served");
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        // Running here, not only RUNNING on the server (a claim starts the run there before its answer arrives; a run
        // whose answer had not arrived goes back to its queue instead: LostClaimAnswerTests).
        await client.LogsContainingAsync(run.Id, "slow flow started");

        serving.Terminate();

        Assert.Equal(0, await serving.WaitForExitAsync());
        Assert.True((await client.GetDeploymentAsync(deployment.Id)).Paused);
        var after = await client.GetFlowRunAsync(run.Id);
        Assert.True(after.State.Type.IsTerminal(), $"the run was left {after.State.Type}");
        Assert.Equal(0, (await client.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Running, StateType.Pending]))).Total);
    }

    [Fact]
    public async Task Serve_CancelRun_StopsItAndCancels()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await using var serving = await ServeAsync(server, "slow");
        var run = await client.CreateFlowRunAsync((await client.GetDeploymentByNameAsync("slow/served")).Id, new FlowRunCreate());
        await client.LogsContainingAsync(run.Id, "slow flow started");

        await client.CancelFlowRunAsync(run.Id);

        Assert.Equal(StateType.Cancelled, (await client.WaitForTerminalAsync(run.Id)).State.Type);
    }
}
