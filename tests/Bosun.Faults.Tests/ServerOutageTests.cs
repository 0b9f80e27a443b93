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
