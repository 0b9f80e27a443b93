using System.Diagnostics;
using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Sdk.Tests;

/// <summary>A serving process is the worker's runtime: the same drain on SIGTERM/SIGINT, the same second signal.</summary>
public sealed class ServeSignalTests
{
    private static async Task<(ChildProcess Serving, FlowRun Run)> ServeSleepingRunAsync(TestServer server, double seconds, bool inProcess)
    {
        string[] mode = inProcess ? ["--in-process"] : [];
        var serving = ChildProcess.Start("dotnet", [RepoPaths.TestFlowsDll, "serve", "--flow", "sleep", "--name", "served", "--grace", "600", .. mode], SdkScenario.Env(server));
        await serving.WaitForLineAsync("is being served");
        var deployment = await server.Client.GetDeploymentByNameAsync("sleep/served");
        var run = await server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["seconds"] = seconds }));
        await server.Client.LogsContainingAsync(run.Id, "sleeping");
        return (serving, run);
    }

    [Theory]
    [InlineData("SIGTERM", false)]
    [InlineData("SIGINT", false)]
    [InlineData("SIGTERM", true)]
    public async Task Signal_RunWithinDrain_CompletesThenServeExitsZero(string signal, bool inProcess)
    {
        await using var server = await TestServer.StartAsync();
        var (serving, run) = await ServeSleepingRunAsync(server, 6, inProcess);
        await using var process = serving;

        serving.Signal(signal);

        Assert.Equal(0, await serving.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        Assert.Equal(StateType.Completed, (await server.Client.GetFlowRunAsync(run.Id)).State.Type);
        await server.Client.LogsContainingAsync(run.Id, "woke up");
        Assert.True((await server.Client.GetDeploymentByNameAsync("sleep/served")).Paused);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SecondSignal_WhileDraining_StopsTheRunAtOnce(bool inProcess)
    {
        await using var server = await TestServer.StartAsync();
        var (serving, run) = await ServeSleepingRunAsync(server, 600, inProcess);
        await using var process = serving;
        serving.Interrupt();
        await serving.WaitForLineAsync("no new runs are claimed");

        var second = Stopwatch.StartNew();
        serving.Interrupt();

        Assert.Equal(0, await serving.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(second.Elapsed < TimeSpan.FromSeconds(45), $"serve took {second.Elapsed} to stop after the second signal");
        var done = await server.Client.GetFlowRunAsync(run.Id);
        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Contains("worker shut down", done.State.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FlowRunProcess_SeesItsRunCancelling_ReportsCancelledItself()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        // A served deployment whose run this test claims itself: no worker or serving process, so only the flow-run
        // process can end the run.
        var deployment = await client.UpsertDeploymentAsync(new Contracts.Deployments.DeploymentUpsert("slow", "by-hand", $"dotnet {RepoPaths.TestFlowsDll}"));
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        Assert.Single((await client.ClaimServedFlowRunsAsync(new ServedClaimRequest("test", [deployment.Id]))).Runs);
        var environment = SdkScenario.Env(server);
        environment["BOSUN_FLOW_RUN_ID"] = run.Id.ToString();
        await using var flowProcess = ChildProcess.Start("dotnet", [RepoPaths.TestFlowsDll], environment);
        await client.LogsContainingAsync(run.Id, "slow flow started");

        await client.CancelFlowRunAsync(run.Id);

        Assert.Equal(0, await flowProcess.WaitForExitAsync());
        var done = await client.GetFlowRunAsync(run.Id);
        Assert.Equal(StateType.Cancelled, done.State.Type);
        Assert.Equal("cancelled: the flow stopped", done.State.Message);
    }
}
