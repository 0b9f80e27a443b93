using System.Diagnostics;
using Bosun.Contracts.States;
using Bosun.Testing;
using Xunit.Abstractions;

namespace Bosun.Faults.Tests;

/// <summary>
/// The server away (stopped, then started again on the same store and port) while a run's flow ends and reports: the
/// run ends COMPLETED, with every line stored once and before the final state. The zombie threshold is set above the
/// outage: a server that was away itself does not yet excuse the missing heartbeats (docs/runtime.md, "Outages").
/// </summary>
public sealed class ServerOutageTests(ITestOutputHelper output)
{
    /// <summary>Above the outage: a server that was away does not yet excuse the heartbeats it missed meanwhile.</summary>
    internal static void LongZombieThreshold(Bosun.Server.Orchestration.BosunServerOptions options) => options.RunHeartbeatTimeout = TimeSpan.FromMinutes(10);

    [Theory]
    [InlineData(8)]
    [InlineData(65)]
    public Task ServerAway_WhileTheFlowEndsAndReports_CompletedWithEveryLineBeforeTheFinalState(int outageSeconds) => Stores.EachAsync(async postgres =>
    {
        await using var scenario = await FaultScenario.StartAsync(postgres, LongZombieThreshold);
        var run = await scenario.StartRunHeldAtGateAsync();

        await scenario.Server.StopAsync();
        scenario.OpenGate();
        await Eventually.WaitUntilAsync(() => Task.FromResult(scenario.FlowReturned), "the flow returned while the server was away", TimeSpan.FromSeconds(60));
        // The rest of the fault: the server stays away after the flow's end.
        await Task.Delay(TimeSpan.FromSeconds(outageSeconds));
        await scenario.Server.RestartAsync();
        var back = Stopwatch.StartNew();

        var (done, lines) = await scenario.WaitForFinalStateAsync(run.Id, TimeSpan.FromSeconds(120));
        Assert.Equal(StateType.Completed, done.State.Type);
        FaultScenario.AssertEveryLineOnce(lines);
        Assert.Single(await scenario.Server.Client.GetFlowRunStatesAsync(run.Id), s => s.Type == StateType.Completed);
        output.WriteLine($"{(postgres ? "PostgreSQL" : "SQLite")}, {outageSeconds} s outage: COMPLETED {back.Elapsed.TotalSeconds:0.0} s after the server was back");
    });
}

/// <summary>
/// A serving process stopped while its server is away: it exits within its bounds (the drain, a 10 s hand-back of what
/// a claim on its way may have taken, a 10 s attempt to pause its deployment) instead of retrying the pause for the
/// client's ten-minute outage window, and says that the deployment is not paused. Once the server is back, the
/// deployment is indeed not paused.
/// </summary>
public sealed class ServeStoppedWhileServerAwayTests
{
    [Fact]
    public async Task ServeStopped_WhileItsServerIsAway_ExitsWithinItsBoundsAndSaysTheDeploymentIsNotPaused()
    {
        await using var server = await TestServer.StartAsync();
        await using var serving = await ChildProcess.ServeTestFlowAsync("echo",
            new Dictionary<string, string?> { ["BOSUN_API_URL"] = server.ApiUrl.ToString(), ["BOSUN_FLOW_RUN_ID"] = null }, ["--in-process"]);
        var deployment = await server.Client.GetDeploymentByNameAsync("echo/served");
        await server.StopAsync();
        await serving.WaitForLineAsync("is not answering");

        serving.Terminate();

        // Generous for a loaded machine, and far below the ten minutes it took.
        Assert.Equal(0, await serving.WaitForExitAsync(TimeSpan.FromSeconds(150)));
        Assert.Contains("Could not pause deployment 'echo/served' (the server did not answer within 10 s)", serving.OutputText, StringComparison.Ordinal);
        await server.RestartAsync();
        Assert.False((await server.Client.GetDeploymentAsync(deployment.Id)).Paused);
    }
}
