using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Faults.Tests;

/// <summary>
/// A run the worker claimed, whose submission meets a server that does not answer for longer than the worker's window:
/// its infrastructure was never created, so the run goes back to its queue and runs once the server answers again.
/// </summary>
public sealed class SubmissionOutageTests
{
    [Fact]
    public Task ClaimedRunSubmissionUnanswered_RunRequeuedThenCompleted() => Stores.EachAsync(async postgres =>
    {
        AnswerDroppingProxy? proxy = null;
        await using var scenario = await FaultScenario.StartAsync(postgres,
            workerApiUrl: server => (proxy = new AnswerDroppingProxy(server.ApiUrl, ["/set_state", "Submitting"], refuseUntilDisarmed: true)).ApiUrl,
            workerArguments: ["--server-retry-seconds", "3"]);
        await using var refusing = proxy!;
        scenario.OpenGate();
        var run = await scenario.Server.Client.CreateFlowRunAsync(scenario.Deployment.Id,
            new Contracts.FlowRuns.FlowRunCreate(new System.Text.Json.Nodes.JsonObject { ["gate"] = scenario.Gate, ["lines"] = FaultScenario.Lines }));

        await scenario.Worker.WaitForLineAsync("could not be submitted", TimeSpan.FromSeconds(60));
        refusing.Disarm();

        var (done, lines) = await scenario.WaitForFinalStateAsync(run.Id, TimeSpan.FromSeconds(90));
        Assert.Equal(StateType.Completed, done.State.Type);
        FaultScenario.AssertEveryLineOnce(lines);
        var states = await scenario.Server.Client.GetFlowRunStatesAsync(run.Id);
        Assert.Contains(states, s => s.Type == StateType.Scheduled && s.Message == "re-queued: its worker could not reach the server while submitting it");
        Assert.Equal(1, done.RunCount);
        Assert.True(refusing.Dropped > 1, "the submission was retried before it was given up");
    });
}
