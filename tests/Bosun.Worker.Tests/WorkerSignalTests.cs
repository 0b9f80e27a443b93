using System.Diagnostics;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Testing;
using Xunit.Abstractions;

namespace Bosun.Worker.Tests;

/// <summary>
/// `bosun worker start` and `bosun deployment run --watch` as real child processes receiving real signals: a drain
/// waits for the runs (System.CommandLine used to end the process 2 s after the signal), a second signal stops at once,
/// and a watch stopped by Ctrl+C says the run goes on.
/// </summary>
public sealed class WorkerSignalTests(ITestOutputHelper output)
{
    private static Dictionary<string, string?> Env(TestServer server) => new() { ["BOSUN_API_URL"] = server.ApiUrl.ToString() };

    private static ChildProcess StartWorker(TestServer server, params string[] arguments) =>
        ChildProcess.StartCli(["worker", "start", "--heartbeat-seconds", "1", .. arguments], Env(server));

    [Theory]
    [InlineData("SIGTERM")]
    [InlineData("SIGINT")]
    public async Task Signal_RunLongerThanTwoSecondsWithinDrain_RunCompletesThenWorkerExitsZero(string signal)
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var deployment = await client.CommandDeploymentAsync("proc", FakeFlow.Shell($"{FakeFlow.Propose("RUNNING")}; sleep 6; {FakeFlow.Propose("COMPLETED")}"));
        await using var worker = StartWorker(server, "--pool", "proc", "--drain-seconds", "120");
        await worker.WaitForLineAsync("started!");
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await client.WaitForStateAsync(run.Id, s => s.Type == StateType.Running, "the run is RUNNING");

        worker.Signal(signal);
        await worker.WaitForLineAsync("no new runs are claimed");

        Assert.Equal(0, await worker.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        // Read after the exit: the worker left only once its run had ended (the flow sleeps 6 s after RUNNING).
        Assert.Equal(StateType.Completed, (await client.GetFlowRunAsync(run.Id)).State.Type);
    }

    [Theory]
    [InlineData("SIGTERM")]
    [InlineData("SIGINT")]
    public async Task SecondSignal_WhileDraining_StopsTheRunAtOnceAsCrashed(string signal)
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var deployment = await client.CommandDeploymentAsync("proc", FakeFlow.Shell($"{FakeFlow.Propose("RUNNING")}; sleep 600"));
        await using var worker = StartWorker(server, "--pool", "proc", "--drain-seconds", "600");
        await worker.WaitForLineAsync("started!");
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await client.WaitForStateAsync(run.Id, s => s.Type == StateType.Running, "the run is RUNNING");
        worker.Signal(signal);
        await worker.WaitForLineAsync("no new runs are claimed");

        var second = Stopwatch.StartNew();
        worker.Signal(signal);

        Assert.Equal(signal == "SIGINT" ? 130 : 143, await worker.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(second.Elapsed < TimeSpan.FromSeconds(45), $"the worker took {second.Elapsed} to stop after the second signal");
        var done = await client.GetFlowRunAsync(run.Id);
        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Contains("worker shut down", done.State.Message, StringComparison.Ordinal);
        Assert.Contains(worker.Output, l => l.Contains("Stopping at once", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeploymentRunWatch_CtrlC_SaysTheRunGoesOnAndExits130()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        await client.CommandDeploymentAsync("proc", "true", name: "watched");
        await using var watch = ChildProcess.StartCli(["deployment", "run", "shell/watched", "--watch"], Env(server));
        await watch.WaitForLineAsync("Watching flow run");

        watch.Interrupt();

        Assert.Equal(130, await watch.WaitForExitAsync());
        var run = Assert.Single((await client.ListFlowRunsAsync(new FlowRunFilter())).Items);
        Assert.Contains(watch.Output, l => l.Contains("the flow run goes on", StringComparison.Ordinal));
        Assert.Contains(watch.Output, l => l.Contains($"bosun flow-run watch {run.Id}", StringComparison.Ordinal));
        Assert.DoesNotContain(watch.Output, l => l.Contains("Exception", StringComparison.Ordinal) || l.Contains("please report", StringComparison.Ordinal));
        Assert.Equal(StateType.Scheduled, (await client.GetFlowRunAsync(run.Id)).State.Type);
    }

    [Fact]
    public async Task ServerRestarted_WorkerClaimsADueRunWithinSeconds()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var deployment = await client.CommandDeploymentAsync("proc", FakeFlow.Shell($"{FakeFlow.Propose("RUNNING")}; {FakeFlow.Propose("COMPLETED")}"));
        await using var worker = StartWorker(server, "--pool", "proc");
        await worker.WaitForLineAsync("started!");

        await server.StopAsync();
        await worker.WaitForLineAsync("is not answering");
        // The outage itself: long enough for the worker's retries to back off to their ceiling.
        await Task.Delay(TimeSpan.FromSeconds(8));
        await server.RestartAsync();
        var restarted = Stopwatch.StartNew();
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await client.WaitForStateAsync(run.Id, s => s.Type != StateType.Scheduled, "the run is claimed");
        var claimedAfter = restarted.Elapsed;

        Assert.True(claimedAfter < TimeSpan.FromSeconds(10), $"the worker claimed the first run {claimedAfter.TotalSeconds:0.0} s after the server was back");
        Assert.Equal(StateType.Completed, (await client.WaitForTerminalAsync(run.Id)).State.Type);
        await worker.WaitForLineAsync("answers again");
        output.WriteLine($"reconnect: first run claimed {claimedAfter.TotalMilliseconds:0} ms after the server was back");
    }
}
