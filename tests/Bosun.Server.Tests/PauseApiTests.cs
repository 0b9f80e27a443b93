using System.Net;
using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Server.Orchestration;
using Bosun.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Server.Tests;

/// <summary>
/// Pause and resume through the API: the input schema, validated input, the states around them, the limits a paused run
/// gives up and a resume takes again, and the pause's timeout enforced by the server's sweep.
/// </summary>
public sealed class PauseApiTests
{
    private static readonly Action<BosunServerOptions> NoBackgroundSweeps = options => options.ServiceInterval = TimeSpan.FromDays(1);

    private static Task<int> SweepAsync(TestServer server) =>
        server.HostedService<PausedRunService>().SweepAsync(CancellationToken.None);

    private static readonly JsonObject ApprovalSchema = JsonNode.Parse("""
        {"type": "object", "properties": {"approved": {"type": "boolean"}, "reviewer": {"type": "string"}}, "required": ["approved", "reviewer"]}
        """)!.AsObject();

    [Fact]
    public async Task ResumeFlowRun_PausedWithASchema_InvalidInput422ThenValidInputRunningWithIt()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var run = await RunningAsync(client);

        var paused = await client.PauseFlowRunAsync(run.Id, new FlowRunPause(ApprovalSchema, 3600));
        Assert.Equal((SetStateStatus.Accept, StateType.Paused), (paused.Status, paused.State.Type));
        var read = await client.GetFlowRunAsync(run.Id);
        Assert.Equal("boolean", read.PauseInputSchema!["properties"]!["approved"]!["type"]!.GetValue<string>());
        Assert.NotNull(read.PauseTimeout);

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => client.ResumeFlowRunAsync(run.Id, new FlowRunResume(new JsonObject { ["approved"] = "yes" })), "reviewer");
        Assert.Equal(StateType.Paused, (await client.GetFlowRunAsync(run.Id)).State.Type);

        var resumed = await client.ResumeFlowRunAsync(run.Id, new FlowRunResume(new JsonObject { ["approved"] = true, ["reviewer"] = "ada" }));

        Assert.Equal((StateType.Running, 1), (resumed.State.Type, resumed.RunCount));
        Assert.Equal("ada", resumed.ResumeInput!["reviewer"]!.GetValue<string>());
        Assert.Null(resumed.PauseInputSchema);
        await ApiAssert.FailsAsync(HttpStatusCode.Conflict, () => client.ResumeFlowRunAsync(run.Id, new FlowRunResume()), "only a PAUSED run");
    }

    [Fact]
    public async Task PauseFlowRun_NotRunningOrBadSchema_AbortOr422()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var scheduled = await client.RunAsync(await client.DeploymentAsync("p"));

        Assert.Equal(SetStateStatus.Abort, (await client.PauseFlowRunAsync(scheduled.Id, new FlowRunPause())).Status);
        Assert.Equal(StateType.Scheduled, (await client.GetFlowRunAsync(scheduled.Id)).State.Type);
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => client.PauseFlowRunAsync(scheduled.Id, new FlowRunPause(new JsonObject { ["type"] = 12 })), "input_schema");
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.PauseFlowRunAsync(scheduled.Id, new FlowRunPause(TimeoutSeconds: 0)), "timeout_seconds");
    }

    [Fact]
    public async Task CancelFlowRun_Paused_CancelledAtOnce()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var run = await RunningAsync(client);
        await client.PauseFlowRunAsync(run.Id, new FlowRunPause());

        await client.CancelFlowRunAsync(run.Id);

        Assert.Equal(StateType.Cancelled, (await client.GetFlowRunAsync(run.Id)).State.Type);
    }

    [Theory]
    [InlineData("pool")]
    [InlineData("queue")]
    [InlineData("deployment")]
    public async Task ResumeFlowRun_LimitFullWhileItWasPaused_WaitsVisiblyForASlotThenRunning(string limited)
    {
        await using var server = await TestServer.StartAsync(configure: NoBackgroundSweeps);
        var client = server.Client;
        await client.PoolAsync("p", limit: limited == "pool" ? 1 : null);
        await client.CreateWorkQueueAsync("p", new WorkQueueCreate("q", ConcurrencyLimit: limited == "queue" ? 1 : null));
        var deployment = await client.DeploymentAsync("p", queue: "q", limit: limited == "deployment" ? 1 : null);
        var paused = await client.RunAsync(deployment, name: "paused-one");
        Assert.Equal(paused.Id, Assert.Single((await client.ClaimAsync("p")).Runs).FlowRun.Id);
        await client.SetFlowRunStateAsync(paused.Id, new StateProposal(StateType.Running));
        await client.PauseFlowRunAsync(paused.Id, new FlowRunPause(ApprovalSchema, 3600));

        // The paused run holds no slot: another run of the same limit is claimed and runs.
        var other = await client.RunAsync(deployment, name: "slot-holder");
        Assert.Equal(other.Id, Assert.Single((await client.ClaimAsync("p")).Runs).FlowRun.Id);
        await client.SetFlowRunStateAsync(other.Id, new StateProposal(StateType.Running));

        var waiting = await client.ResumeFlowRunAsync(paused.Id, new FlowRunResume(new JsonObject { ["approved"] = true, ["reviewer"] = "ada" }));

        Assert.Equal((StateType.Paused, StateNames.AwaitingConcurrencySlot), (waiting.State.Type, waiting.State.Name));
        Assert.Contains($"slot of its {(limited == "pool" ? "work pool" : limited == "queue" ? "work queue" : "deployment")}", waiting.State.Message, StringComparison.Ordinal);
        Assert.Contains("resumed, waiting for a slot", waiting.WaitingReason, StringComparison.Ordinal);
        Assert.Contains("held by runs slot-holder", waiting.WaitingReason, StringComparison.Ordinal);
        Assert.Equal("ada", waiting.ResumeInput!["reviewer"]!.GetValue<string>());
        await ApiAssert.FailsAsync(HttpStatusCode.Conflict, () => client.ResumeFlowRunAsync(paused.Id, new FlowRunResume()), "waiting for a concurrency slot");
        Assert.Equal(0, await SweepAsync(server));
        Assert.Equal(StateType.Paused, (await client.GetFlowRunAsync(paused.Id)).State.Type);

        await client.SetFlowRunStateAsync(other.Id, new StateProposal(StateType.Completed));
        Assert.Equal(1, await SweepAsync(server));

        var resumed = await client.GetFlowRunAsync(paused.Id);
        Assert.Equal((StateType.Running, 1, "resumed: a concurrency slot is free"), (resumed.State.Type, resumed.RunCount, resumed.State.Message));
        Assert.Equal("ada", resumed.ResumeInput!["reviewer"]!.GetValue<string>());
        // Now it holds the slot again: the next run waits.
        await client.RunAsync(deployment);
        Assert.Empty((await client.ClaimAsync("p")).Runs);
    }

    [Fact]
    public async Task PausedRunSweep_PauseTimeoutAndItsGracePassedAndNoProcess_RunFailsTimedOutWithAMessage()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds()));
        await using var server = await TestServer.StartAsync(clock, NoBackgroundSweeps);
        var client = server.Client;
        var run = await RunningAsync(client);
        var untimed = await client.RunAsync(await client.DeploymentAsync("p", name: "other"));
        await client.ClaimAsync("p");
        await client.SetFlowRunStateAsync(untimed.Id, new StateProposal(StateType.Running));
        await client.PauseFlowRunAsync(run.Id, new FlowRunPause(TimeoutSeconds: 60));
        await client.PauseFlowRunAsync(untimed.Id, new FlowRunPause());

        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(0, await SweepAsync(server));
        // Past the timeout the flow's own process, if alive, ends the run with its own error: the server waits a grace.
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, await SweepAsync(server));
        Assert.Equal(StateType.Paused, (await client.GetFlowRunAsync(run.Id)).State.Type);
        clock.Advance(PausedRunService.TimeoutGrace);
        Assert.Equal(1, await SweepAsync(server));

        var failed = await client.GetFlowRunAsync(run.Id);
        Assert.Equal((StateType.Failed, StateNames.TimedOut), (failed.State.Type, failed.State.Name));
        Assert.Contains("paused and never resumed", failed.State.Message, StringComparison.Ordinal);
        Assert.Contains(await client.AllLogsAsync(run.Id), line => line.Message.Contains("paused and never resumed", StringComparison.Ordinal));
        Assert.Equal(StateType.Paused, (await client.GetFlowRunAsync(untimed.Id)).State.Type);
        await ApiAssert.FailsAsync(HttpStatusCode.Conflict, () => client.ResumeFlowRunAsync(run.Id, new FlowRunResume()), "only a PAUSED run");
    }

    [Fact]
    public async Task PauseFlowRun_SentAgainWithItsKey_AcceptedAgain_AnotherKeyAborted()
    {
        await using var server = await TestServer.StartAsync();
        var run = await RunningAsync(server.Client);
        using var http = new HttpClient { BaseAddress = server.ApiUrl };
        var path = $"flow_runs/{run.Id}/pause";

        var (_, first) = await KeyedRequests.PostAsync(http, path, """{"timeout_seconds": 3600}""", "pause-1");
        var (_, again) = await KeyedRequests.PostAsync(http, path, """{"timeout_seconds": 3600}""", "pause-1");
        var (_, other) = await KeyedRequests.PostAsync(http, path, """{"timeout_seconds": 3600}""", "pause-2");

        Assert.Equal(("ACCEPT", "ACCEPT", "ABORT"), (Status(first), Status(again), Status(other)));
        Assert.Equal(first["state"]!["id"]!.GetValue<string>(), again["state"]!["id"]!.GetValue<string>());
        Assert.Single(await server.Client.GetFlowRunStatesAsync(run.Id), state => state.Type == StateType.Paused);

        // Once the run has moved on (resumed), the same pause sent again is not accepted: it would not pause the run.
        await server.Client.ResumeFlowRunAsync(run.Id, new FlowRunResume());
        var (_, late) = await KeyedRequests.PostAsync(http, path, """{"timeout_seconds": 3600}""", "pause-1");
        Assert.Equal("ABORT", Status(late));
        Assert.Equal(StateType.Running, (await server.Client.GetFlowRunAsync(run.Id)).State.Type);

        static string Status(JsonNode answer) => answer["status"]!.GetValue<string>();
    }

    [Fact]
    public async Task ResumeFlowRun_SentAgainWithItsKey_AnswersTheRun_AnotherKey409()
    {
        await using var server = await TestServer.StartAsync();
        var run = await RunningAsync(server.Client);
        await server.Client.PauseFlowRunAsync(run.Id, new FlowRunPause(TimeoutSeconds: 3600));
        using var http = new HttpClient { BaseAddress = server.ApiUrl };
        var path = $"flow_runs/{run.Id}/resume";

        var (_, first) = await KeyedRequests.PostAsync(http, path, "{}", "resume-1");
        var (_, again) = await KeyedRequests.PostAsync(http, path, "{}", "resume-1");
        using var other = await KeyedRequests.SendAsync(http, path, "{}", "resume-2");

        Assert.Equal(("RUNNING", "RUNNING"), (first["state"]!["type"]!.GetValue<string>(), again["state"]!["type"]!.GetValue<string>()));
        Assert.Equal(first["state"]!["id"]!.GetValue<string>(), again["state"]!["id"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Single(await server.Client.GetFlowRunStatesAsync(run.Id), state => state.Message == "resumed");
    }

    private static async Task<FlowRun> RunningAsync(Bosun.Client.BosunClient client)
    {
        await client.PoolAsync("p");
        var run = await client.RunAsync(await client.DeploymentAsync("p"));
        await client.ClaimAsync("p");
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        return run;
    }
}
