using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Faults.Tests;

/// <summary>
/// A run PAUSED in a real flow-run process (tests/Bosun.Sdk.TestFlows/PauseFlows.cs, started by serve) while its server is
/// away, and while its process is killed: the pause neither loses its resume nor leaves the run PAUSED for a process
/// that is gone.
/// </summary>
public sealed class PausedRunFaultTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(120);

    [Fact]
    public Task ServerAway_WhileTheRunIsPaused_ResumedOnceItReturns_TheFlowGetsTheInputAndCompletes() => Stores.EachAsync(async postgres =>
    {
        await using var server = await TestServer.StartAsync(configure: ServerOutageTests.LongZombieThreshold, postgres: postgres);
        var client = server.Client;
        await using var serving = await ServeApprovalAsync(server);
        var run = await client.CreateFlowRunAsync((await client.GetDeploymentByNameAsync("approval/served")).Id, new FlowRunCreate());
        await PausedAsync(server, run.Id);

        await server.StopAsync();
        // The fault itself: the flow's reads of its run (every second) and its heartbeats find no server for 20 s.
        await Task.Delay(TimeSpan.FromSeconds(20));
        await server.RestartAsync();
        Assert.Equal(StateType.Paused, (await client.GetFlowRunAsync(run.Id)).State.Type);
        await client.ResumeFlowRunAsync(run.Id, new FlowRunResume(new JsonObject { ["approved"] = true, ["reviewer"] = "grace" }));

        var done = await Eventually.ValueAsync(() => client.GetFlowRunAsync(run.Id), r => r.State.Type.IsTerminal(), "the resumed run is finished", Long);
        Assert.Equal(StateType.Completed, done.State.Type);
        Assert.Equal("approved by grace", (await client.GetFlowRunResultAsync(run.Id)).Value!.GetValue<string>());
        Assert.Equal([StateType.Running, StateType.Paused, StateType.Running, StateType.Completed],
            (await client.GetFlowRunStatesAsync(run.Id)).Select(s => s.Type).SkipWhile(t => t != StateType.Running));
    });

    [Fact]
    public Task FlowProcessKilled_WhileTheRunIsPaused_TheRunCrashesWithTheExitExplained_NotLeftPaused() => Stores.EachAsync(async postgres =>
    {
        await using var server = await TestServer.StartAsync(postgres: postgres);
        var client = server.Client;
        await using var serving = await ServeApprovalAsync(server);
        var run = await client.CreateFlowRunAsync((await client.GetDeploymentByNameAsync("approval/served")).Id, new FlowRunCreate());
        var paused = await PausedAsync(server, run.Id);

        Process.GetProcessById(int.Parse(paused.InfrastructureId!, CultureInfo.InvariantCulture)).Kill();

        var done = await Eventually.ValueAsync(() => client.GetFlowRunAsync(run.Id), r => r.State.Type.IsTerminal(), "the killed run is finished", Long);
        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Contains("killed (exit code 137", done.State.Message, StringComparison.Ordinal);
        // A resume of the crashed run is refused: there is no flow left to give the input to.
        var refused = await Assert.ThrowsAsync<Bosun.Client.BosunApiException>(
            () => client.ResumeFlowRunAsync(run.Id, new FlowRunResume(new JsonObject { ["approved"] = true, ["reviewer"] = "grace" })));
        Assert.Equal(System.Net.HttpStatusCode.Conflict, refused.StatusCode);
    });

    private static async Task<FlowRun> PausedAsync(TestServer server, Guid runId) =>
        await Eventually.ValueAsync(() => server.Client.GetFlowRunAsync(runId), r => r.State.Type == StateType.Paused, "the run paused", Long);

    private static Task<ChildProcess> ServeApprovalAsync(TestServer server) => ChildProcess.ServeTestFlowAsync("approval", new Dictionary<string, string?>
    {
        ["BOSUN_API_URL"] = server.ApiUrl.ToString(),
        ["BOSUN_FLOW_RUN_ID"] = null,
    });
}
