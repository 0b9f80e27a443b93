using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Faults.Tests;

/// <summary>
/// The server away longer than the flow-run process's retry window: the process gives up (exit code 75), and the
/// worker, which outlives any outage, reports the run when the server is back instead of leaving it RUNNING.
/// </summary>
public sealed class ServerAwayPastTheWindowTests
{
    [Fact]
    public Task FlowProcessGivesUp_WorkerReportsTheRunCrashedWhenTheServerIsBack() => Stores.EachAsync(async postgres =>
    {
        await using var scenario = await FaultScenario.StartAsync(postgres, ServerOutageTests.LongZombieThreshold,
            workerArguments: ["--server-retry-seconds", "5"]);
        var run = await scenario.StartRunHeldAtGateAsync();

        await scenario.Server.StopAsync();
        scenario.OpenGate();
        await Eventually.WaitUntilAsync(() => Task.FromResult(scenario.FlowReturned), "the flow returned while the server was away", TimeSpan.FromSeconds(60));
        // The flow process has given up and the worker's own report has outlasted its window too.
        await scenario.Worker.WaitForLineAsync("did not take a report yet", TimeSpan.FromSeconds(60));
        await scenario.Server.RestartAsync();

        var (done, _) = await scenario.WaitForFinalStateAsync(run.Id, TimeSpan.FromSeconds(60));
        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Contains("gave up: the Bosun server did not answer within its retry window (exit code 75", done.State.Message, StringComparison.Ordinal);
    });
}
