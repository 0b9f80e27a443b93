using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Faults.Tests;

/// <summary>
/// The server takes a run for a claim, but the answer never reaches its claimant: the connection breaks after the
/// server wrote the claim. The client sends the claim again with the same Idempotency-Key and gets the run the first
/// attempt took. Where the claim is not sent again (its claimant stopped), the run is the claimant's on the server and
/// nobody would start it: the claimant finds it among the runs it holds without knowing them and hands it back to its
/// queue (ProcessRunTests.HeldRunNeverReceived_HandedBackToItsQueueWhileClaiming covers the same while claiming).
/// </summary>
public sealed class LostClaimAnswerTests
{
    [Fact]
    public Task ClaimAnswerLost_TheClaimSentAgainGetsTheSameRun_RunOnceToCompleted() => Stores.EachAsync(async postgres =>
    {
        AnswerDroppingProxy? proxy = null;
        await using var scenario = await FaultScenario.StartAsync(postgres,
            workerApiUrl: server => (proxy = new AnswerDroppingProxy(server.ApiUrl, ["/claim"])).ApiUrl);
        await using var dropping = proxy!;
        scenario.OpenGate();

        // The worker's first claim is waiting (or about to be sent): it takes this run, and its answer is lost.
        var run = await scenario.Server.Client.CreateFlowRunAsync(scenario.Deployment.Id,
            new FlowRunCreate(new JsonObject { ["gate"] = scenario.Gate, ["lines"] = FaultScenario.Lines }));

        // Well within the two heartbeat intervals a hand-back would take.
        var (done, lines) = await scenario.WaitForFinalStateAsync(run.Id, TimeSpan.FromSeconds(50));
        Assert.Equal(1, dropping.Dropped);
        Assert.Equal(StateType.Completed, done.State.Type);
        var history = await scenario.Server.Client.GetFlowRunStatesAsync(run.Id);
        // Claimed once: never back in its queue, started once.
        Assert.Single(history, state => state.Type == StateType.Scheduled);
        Assert.Single(history, state => state.Type == StateType.Running);
        FaultScenario.AssertEveryLineOnce(lines);
    });

    /// <summary>
    /// A serving process (in-process) whose claim started a run on the server, but whose answer never reached it, is
    /// stopped: the run was never started here, so it goes back to its queue rather than being left RUNNING (to be
    /// CRASHED by the sweep a minute and a half later, a run that never ran).
    /// </summary>
    [Fact]
    public Task ServeStopped_AClaimsAnswerLost_TheRunItStartedGoesBackToItsQueue() => Stores.EachAsync(async postgres =>
    {
        await using var server = await TestServer.StartAsync(postgres: postgres);
        // The first claim's answer is lost, and every claim after it refused: the claim is never answered again.
        await using var proxy = new AnswerDroppingProxy(server.ApiUrl, ["/deployments/claim"], refuseUntilDisarmed: true, letFirstThrough: true);
        await using var serving = ChildProcess.Start("dotnet", [RepoPaths.TestFlowsDll, "serve", "--flow", "slow", "--name", "served", "--in-process"],
            new Dictionary<string, string?> { ["BOSUN_API_URL"] = proxy.ApiUrl.ToString(), ["BOSUN_FLOW_RUN_ID"] = null });
        await serving.WaitForLineAsync("is being served");
        var client = server.Client;
        var deployment = await client.GetDeploymentByNameAsync("slow/served");

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await Eventually.WaitUntilAsync(() => Task.FromResult(proxy.Dropped >= 2), "the claim's answer was lost, and the claim sent again refused");
        Assert.Equal(StateType.Running, (await client.GetFlowRunAsync(run.Id)).State.Type);
        serving.Terminate();

        Assert.Equal(0, await serving.WaitForExitAsync());
        var after = await client.GetFlowRunAsync(run.Id);
        Assert.Equal(StateType.Scheduled, after.State.Type);
        Assert.Contains("handed back", after.State.Message, StringComparison.Ordinal);
        Assert.Contains("never reached it", serving.OutputText, StringComparison.Ordinal);
        Assert.Equal(0, (await client.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Running, StateType.Pending]))).Total);
    });
}
