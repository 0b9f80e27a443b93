using Bosun.Contracts.States;

namespace Bosun.Faults.Tests;

/// <summary>The server away for two minutes while a run is RUNNING (a class of its own so that it runs beside the others).</summary>
public sealed class ServerAwayWhileRunningTests
{
    [Fact]
    public Task ServerAway120Seconds_WhileRunning_RunCompletesWithEveryLine() => Stores.EachAsync(async postgres =>
    {
        await using var scenario = await FaultScenario.StartAsync(postgres, ServerOutageTests.LongZombieThreshold);
        var run = await scenario.StartRunHeldAtGateAsync();

        await scenario.Server.StopAsync();
        // The fault itself: two minutes without a server.
        await Task.Delay(TimeSpan.FromSeconds(120));
        await scenario.Server.RestartAsync();
        scenario.OpenGate();

        var (done, lines) = await scenario.WaitForFinalStateAsync(run.Id, TimeSpan.FromSeconds(120));
        Assert.Equal(StateType.Completed, done.State.Type);
        FaultScenario.AssertEveryLineOnce(lines);
        Assert.Single(await scenario.Server.Client.GetFlowRunStatesAsync(run.Id), s => s.Type == StateType.Running);
    });
}
