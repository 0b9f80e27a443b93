using Bosun.Contracts.States;

namespace Bosun.Faults.Tests;

/// <summary>
/// The server writes a batch of log lines but its answer never reaches the flow process, which sends the batch again:
/// every line must be stored exactly once (the batch's Idempotency-Key), not twice.
/// </summary>
public sealed class LostLogAnswerTests
{
    [Fact]
    public Task LogBatchAnswerLost_SentAgainWithItsKey_EveryLineStoredOnce() => Stores.EachAsync(async postgres =>
    {
        AnswerDroppingProxy? proxy = null;
        await using var scenario = await FaultScenario.StartAsync(postgres,
            workerApiUrl: server => (proxy = new AnswerDroppingProxy(server.ApiUrl, ["\"line 2000\""])).ApiUrl);
        await using var dropping = proxy!;
        var run = await scenario.StartRunHeldAtGateAsync();

        scenario.OpenGate();

        var (done, lines) = await scenario.WaitForFinalStateAsync(run.Id, TimeSpan.FromSeconds(90));
        Assert.Equal(1, dropping.Dropped);
        Assert.Equal(StateType.Completed, done.State.Type);
        FaultScenario.AssertEveryLineOnce(lines);
    });
}
