using System.Globalization;
using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Faults.Tests;

/// <summary>
/// A worker SIGKILLed in the middle of a submission: the server has moved the run to PENDING "Submitting", the worker
/// never learnt it (the answer was lost, its retries refused) and dies before creating anything. The server's sweep
/// must put the run back on its queue, and another worker must run it once, every line once.
/// </summary>
public sealed class WorkerKilledWhileSubmittingTests
{
    private static readonly TimeSpan WorkerTimeout = TimeSpan.FromSeconds(5);

    [Fact]
    public Task WorkerKilledWhileSubmitting_RunRequeuedAndCompletedOnceByAnotherWorker() => Stores.EachAsync(async postgres =>
    {
        AnswerDroppingProxy? proxy = null;
        await using var scenario = await FaultScenario.StartAsync(postgres,
            options =>
            {
                options.WorkerTimeout = WorkerTimeout;
                options.ServiceInterval = TimeSpan.FromMilliseconds(250);
            },
            workerApiUrl: server => (proxy = new AnswerDroppingProxy(server.ApiUrl, ["/set_state", StateNames.Submitting],
                refuseUntilDisarmed: true, letFirstThrough: true)).ApiUrl,
            workerArguments: ["--name", "first", "--server-retry-seconds", "600"]);
        await using var stuck = proxy!;
        var client = scenario.Server.Client;
        scenario.OpenGate();
        var run = await client.CreateFlowRunAsync(scenario.Deployment.Id,
            new FlowRunCreate(new JsonObject { ["gate"] = scenario.Gate, ["lines"] = FaultScenario.Lines }));

        await Eventually.WaitUntilAsync(
            async () => stuck.Dropped >= 2 && (await client.GetFlowRunAsync(run.Id)).State.Name == StateNames.Submitting,
            "the server wrote Submitting and the worker is retrying a submission it was never answered", TimeSpan.FromSeconds(90));
        scenario.Worker.Kill();
        await using var second = ChildProcess.StartCli(["worker", "start", "--pool", "faults", "--name", "second", "--heartbeat-seconds", "1"],
            new Dictionary<string, string?>
            {
                ["BOSUN_API_URL"] = scenario.Server.ApiUrl.ToString(),
                ["BOSUN_RUN_HEARTBEAT_SECONDS"] = 2.ToString(CultureInfo.InvariantCulture),
            });

        var (done, lines) = await scenario.WaitForFinalStateAsync(run.Id, TimeSpan.FromSeconds(180));
        Assert.Equal((StateType.Completed, "second"), (done.State.Type, done.WorkerName));
        FaultScenario.AssertEveryLineOnce(lines);
        Assert.Equal(1, done.RunCount);
        var states = await client.GetFlowRunStatesAsync(run.Id);
        Assert.Contains(states, s => s.Type == StateType.Scheduled && s.Message?.Contains("'first' has not been heard from", StringComparison.Ordinal) == true);
        Assert.Single(states, s => s.Type == StateType.Running);
        Assert.Equal(0, (await client.GetWorkPoolAsync("faults")).SlotsInUse);
    });
}
