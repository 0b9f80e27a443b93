using System.Net;
using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Sdk.Tests;

/// <summary>A flow that pauses for input (tests/Bosun.Sdk.TestFlows/PauseFlows.cs) in a real flow-run process started by serve.</summary>
public sealed class PauseProcessTests
{
    [Fact]
    public async Task PauseAsync_ResumedWithInvalidThenValidInput_FlowGetsTheInputAndCompletes()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await using var serving = await ServeAsync(server);
        var run = await client.CreateFlowRunAsync((await client.GetDeploymentByNameAsync("approval/served")).Id, new FlowRunCreate());

        var paused = await client.WaitForStateAsync(run.Id, s => s.Type == StateType.Paused, "the run paused");
        Assert.Equal(["approved", "reviewer"], paused.PauseInputSchema!["required"]!.AsArray().Select(n => n!.GetValue<string>()).Order());
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => client.ResumeFlowRunAsync(run.Id, new FlowRunResume(new JsonObject { ["approved"] = true })), "reviewer");
        await client.ResumeFlowRunAsync(run.Id, new FlowRunResume(new JsonObject { ["approved"] = true, ["reviewer"] = "grace" }));

        var done = await client.WaitForTerminalAsync(run.Id);
        Assert.Equal(StateType.Completed, done.State.Type);
        Assert.Equal("approved by grace", (await client.GetFlowRunResultAsync(run.Id)).Value!.GetValue<string>());
        Assert.Equal([StateType.Running, StateType.Paused, StateType.Running, StateType.Completed],
            (await client.GetFlowRunStatesAsync(run.Id)).Select(s => s.Type).SkipWhile(t => t != StateType.Running));
    }

    [Fact]
    public async Task PauseAsync_NotResumedWithinTheTimeout_RunFailsWithTimeout()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await using var serving = await ServeAsync(server);
        var run = await client.CreateFlowRunAsync((await client.GetDeploymentByNameAsync("approval/served")).Id,
            new FlowRunCreate(new JsonObject { ["timeoutSeconds"] = 2 }));

        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Failed, done.State.Type);
        Assert.Contains("TimeoutException: The run was not resumed within", done.State.Message, StringComparison.Ordinal);
        Assert.Contains(await client.GetFlowRunStatesAsync(run.Id), s => s.Type == StateType.Paused);
    }

    private static Task<ChildProcess> ServeAsync(TestServer server) => ChildProcess.ServeTestFlowAsync("approval", SdkScenario.Env(server));
}
