using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Faults.Tests;

/// <summary>The server writes COMPLETED but its answer never reaches the flow process, which sends the proposal again.</summary>
public sealed class LostAnswerTests
{
    [Fact]
    public Task CompletedAnswerLost_RetriedWithItsTransitionId_AcceptedOnce() => Stores.EachAsync(async postgres =>
    {
        AnswerDroppingProxy? proxy = null;
        await using var scenario = await FaultScenario.StartAsync(postgres,
            workerApiUrl: server => (proxy = new AnswerDroppingProxy(server.ApiUrl, ["/set_state", "\"COMPLETED\""])).ApiUrl);
        await using var dropping = proxy!;
        var run = await scenario.StartRunHeldAtGateAsync();

        scenario.OpenGate();

        var (done, lines) = await scenario.WaitForFinalStateAsync(run.Id, TimeSpan.FromSeconds(90));
        Assert.Equal(1, dropping.Dropped);
        Assert.Equal(StateType.Completed, done.State.Type);
        Assert.Single(await scenario.Server.Client.GetFlowRunStatesAsync(run.Id), s => s.Type == StateType.Completed);
        FaultScenario.AssertEveryLineOnce(lines);
        // The flow process took the second answer as its own and exited 0: its worker found the run COMPLETED.
        await Eventually.WaitUntilAsync(async () => (await scenario.LogsAsync(run.Id))
            .Any(l => l.Message.Contains("exited with code 0; the run is COMPLETED", StringComparison.Ordinal)), "the worker's last line for the run arrived");
    });
}
