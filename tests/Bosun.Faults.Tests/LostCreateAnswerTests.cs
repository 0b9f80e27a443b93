using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Schedules;
using Bosun.Contracts.Security;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Faults.Tests;

/// <summary>
/// The server makes a run (a pool, a schedule, an API key; pauses or resumes a run) but its answer never reaches the client, whose connection breaks: the
/// client sends the create again, with the Idempotency-Key it sent the first time, and gets what the first attempt made.
/// Without the key the second attempt made a second run, schedule or API key, or was refused as a pool that already
/// exists, or a pause as a run already PAUSED, or a resume as a run no longer PAUSED.
/// </summary>
public sealed class LostCreateAnswerTests
{
    [Fact]
    public Task CreateAnswerLost_TheClientSendsItAgain_OneRun() => Stores.EachAsync(async postgres =>
    {
        await using var lost = await LostAnswerAsync(postgres, "/create_flow_run HTTP");

        var run = await lost.Client.CreateFlowRunAsync(lost.Deployment, new FlowRunCreate(Name: "once"));

        Assert.Equal(1, lost.Proxy.Dropped);
        Assert.Equal([run.Id], await lost.RunsAsync());
    });

    [Fact]
    public Task BatchCreateAnswerLost_TheClientSendsItAgain_EachRunOnce() => Stores.EachAsync(async postgres =>
    {
        await using var lost = await LostAnswerAsync(postgres, "/create_flow_runs HTTP");

        var runs = await lost.Client.CreateFlowRunsAsync(lost.Deployment, [new FlowRunCreate(Name: "a"), new FlowRunCreate(Name: "b")]);

        Assert.Equal(1, lost.Proxy.Dropped);
        // The answer the client got is the second attempt's: the runs the first one made, not created by it.
        Assert.All(runs, run => Assert.False(run.Created));
        Assert.Equal(runs.Select(run => run.Id).Order(), await lost.RunsAsync());
    });

    [Fact]
    public Task SubflowAnswerLost_TheClientSendsItAgain_OneSubflowRun() => Stores.EachAsync(async postgres =>
    {
        await using var lost = await LostAnswerAsync(postgres, "/subflow_runs HTTP");
        var parent = await lost.Server.Client.CreateFlowRunAsync(lost.Deployment, new FlowRunCreate());

        var subflow = await lost.Client.CreateSubflowRunAsync(parent.Id, new SubflowRunCreate("sub"));

        Assert.Equal(1, lost.Proxy.Dropped);
        var children = await lost.Server.Client.ListFlowRunsAsync(new FlowRunFilter(ParentFlowRunId: parent.Id));
        Assert.Equal(subflow.Id, Assert.Single(children.Items).Id);
    });

    [Fact]
    public Task WorkPoolAnswerLost_TheClientSendsItAgain_ThePoolNotAConflict() => Stores.EachAsync(async postgres =>
    {
        await using var lost = await LostAnswerAsync(postgres, "/work_pools HTTP");

        var pool = await lost.Client.CreateWorkPoolAsync(new WorkPoolCreate("q", "process"));

        Assert.Equal(1, lost.Proxy.Dropped);
        Assert.Equal(pool.Id, (await lost.Server.Client.GetWorkPoolAsync("q")).Id);
    });

    [Fact]
    public Task ScheduleAnswerLost_TheClientSendsItAgain_OneSchedule() => Stores.EachAsync(async postgres =>
    {
        await using var lost = await LostAnswerAsync(postgres, "/schedules HTTP");

        var schedule = await lost.Client.AddScheduleAsync(lost.Deployment, new ScheduleSpec(IntervalSeconds: 3600));

        Assert.Equal(1, lost.Proxy.Dropped);
        Assert.Equal([schedule.Id], (await lost.Server.Client.ListSchedulesAsync(lost.Deployment)).Select(s => s.Id));
    });

    [Fact]
    public Task ApiKeyAnswerLost_TheClientSendsItAgain_OneKeyWhoseSecretWorks() => Stores.EachAsync(async postgres =>
    {
        await using var lost = await LostAnswerAsync(postgres, "/api_keys HTTP");
        // The first key is made straight at the server: from then on every request needs one.
        var root = await lost.Server.Client.CreateApiKeyAsync(new ApiKeyCreate("root", ApiKeyRole.Admin));
        using var client = new BosunClient(new BosunClientOptions { ApiUrl = lost.Proxy.ApiUrl, ApiKey = root.Key, RetryDelay = TimeSpan.FromMilliseconds(50) });

        var created = await client.CreateApiKeyAsync(new ApiKeyCreate("ci", ApiKeyRole.Worker));

        Assert.Equal(1, lost.Proxy.Dropped);
        using var asRoot = lost.Server.NewClient(root.Key);
        Assert.Equal([(created.ApiKey.Id, "ci"), (root.ApiKey.Id, "root")],
            (await asRoot.ListApiKeysAsync()).Select(key => (key.Id, key.Name)).OrderBy(key => key.Name, StringComparer.Ordinal));
        // The secret the client got is the key's: it was made from the request's key, so the second answer could give it.
        using var asCi = lost.Server.NewClient(created.Key);
        Assert.Contains((await asCi.ListWorkPoolsAsync()).Items, pool => pool.Name == "p");
    });

    [Fact]
    public Task PauseAnswerLost_TheClientSendsItAgain_AcceptedNotAborted() => Stores.EachAsync(async postgres =>
    {
        await using var lost = await LostAnswerAsync(postgres, "/pause HTTP");
        var run = await lost.Server.Client.CreateFlowRunAsync(lost.Deployment, new FlowRunCreate());
        await lost.Server.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running, Force: true));

        // The flow's pause reached the server; its answer did not. Sent again, it must not tell the flow "could not pause".
        var paused = await lost.Client.PauseFlowRunAsync(run.Id, new FlowRunPause(TimeoutSeconds: 3600));

        Assert.Equal(1, lost.Proxy.Dropped);
        Assert.Equal((SetStateStatus.Accept, StateType.Paused), (paused.Status, paused.State.Type));
        var history = await lost.Server.Client.GetFlowRunStatesAsync(run.Id);
        Assert.Single(history, state => state.Type == StateType.Paused);
    });

    [Fact]
    public Task ResumeAnswerLost_TheClientSendsItAgain_TheRunNotAConflict() => Stores.EachAsync(async postgres =>
    {
        await using var lost = await LostAnswerAsync(postgres, "/resume HTTP");
        var run = await lost.Server.Client.CreateFlowRunAsync(lost.Deployment, new FlowRunCreate());
        await lost.Server.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running, Force: true));
        await lost.Server.Client.PauseFlowRunAsync(run.Id, new FlowRunPause(TimeoutSeconds: 3600));

        // `bosun flow-run resume`: the resume reached the server, its answer did not; sent again, it must not say 409.
        var resumed = await lost.Client.ResumeFlowRunAsync(run.Id, new FlowRunResume());

        Assert.Equal(1, lost.Proxy.Dropped);
        Assert.Equal(StateType.Running, resumed.State.Type);
        Assert.Single(await lost.Server.Client.GetFlowRunStatesAsync(run.Id), state => state.Message == "resumed");
    });

    private static async Task<LostAnswer> LostAnswerAsync(bool postgres, string marker)
    {
        var server = await TestServer.StartAsync(postgres: postgres);
        await server.Client.PoolAsync("p");
        var deployment = await server.Client.DeploymentAsync("p");
        var proxy = new AnswerDroppingProxy(server.ApiUrl, [marker]);
        var client = new BosunClient(new BosunClientOptions { ApiUrl = proxy.ApiUrl, RetryDelay = TimeSpan.FromMilliseconds(50) });
        return new LostAnswer(server, proxy, client, deployment.Id);
    }

    /// <summary>A server, a proxy that loses the first answer to a request carrying a marker, and a client through it.</summary>
    private sealed record LostAnswer(TestServer Server, AnswerDroppingProxy Proxy, BosunClient Client, Guid Deployment) : IAsyncDisposable
    {
        /// <summary>The ids of the deployment's runs, in order.</summary>
        public async Task<IEnumerable<Guid>> RunsAsync() =>
            (await Server.Client.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: Deployment))).Items.Select(run => run.Id).Order();

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Proxy.DisposeAsync();
            await Server.DisposeAsync();
        }
    }
}
