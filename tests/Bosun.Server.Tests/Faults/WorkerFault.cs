using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Server.Tests.Faults;

/// <summary>
/// A server whose sweep judges a worker silent after <see cref="WorkerTimeout"/>, a process pool, and real
/// `bosun worker start` child processes that heartbeat every second: the stage for killing a worker at a chosen moment.
/// </summary>
internal sealed class WorkerFault : IAsyncDisposable
{
    public static readonly TimeSpan WorkerTimeout = TimeSpan.FromSeconds(5);

    private readonly List<ChildProcess> _workers = [];

    private WorkerFault(TestServer server) => Server = server;

    public TestServer Server { get; }

    public BosunClient Client => Server.Client;

    public static async Task<WorkerFault> StartAsync()
    {
        var server = await TestServer.StartAsync(configure: options =>
        {
            options.WorkerTimeout = WorkerTimeout;
            options.ServiceInterval = TimeSpan.FromMilliseconds(250);
        });
        await server.Client.PoolAsync("p");
        return new WorkerFault(server);
    }

    /// <summary>A deployment whose runs are this shell script (it sees BOSUN_API_URL and BOSUN_FLOW_RUN_ID).</summary>
    public Task<Deployment> DeploymentAsync(string script) =>
        Client.UpsertDeploymentAsync(new DeploymentUpsert("fault", "dep", WorkPoolName: "p",
            JobVariables: new System.Text.Json.Nodes.JsonObject { ["command"] = FakeFlow.Shell(script) }));

    /// <summary>A shell snippet proposing RUNNING until the server accepts it (it answers WAIT before the run's time).</summary>
    public static string UntilRunning() =>
        """until curl -s -X POST "$BOSUN_API_URL/flow_runs/$BOSUN_FLOW_RUN_ID/set_state" -H 'content-type: application/json' -d '{"type":"RUNNING"}' | grep -q '"status":"ACCEPT"'; do sleep 0.2; done""";

    /// <summary>Starts `bosun worker start` for the pool and waits until the server has heard from it.</summary>
    public async Task<ChildProcess> StartWorkerAsync(string name, double prefetchSeconds = 10)
    {
        var worker = ChildProcess.StartCli(
            ["worker", "start", "--pool", "p", "--name", name, "--heartbeat-seconds", "1", "--prefetch-seconds", prefetchSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            new Dictionary<string, string?> { ["BOSUN_API_URL"] = Server.ApiUrl.ToString(), ["BOSUN_API_KEY"] = null });
        _workers.Add(worker);
        await worker.WaitForLineAsync($"Worker '{name}' started");
        await Eventually.WaitUntilAsync(async () => (await Client.ListWorkersAsync("p")).Any(w => w.Name == name && w.Status == WorkerStatus.Online), $"worker {name} is online");
        return worker;
    }

    /// <summary>Waits for <paramref name="runId"/> to satisfy <paramref name="accept"/>.</summary>
    public Task<FlowRun> RunWhenAsync(Guid runId, Func<FlowRun, bool> accept, string what, TimeSpan? timeout = null) =>
        Eventually.ValueAsync(() => Client.GetFlowRunAsync(runId), accept, what, timeout ?? TimeSpan.FromSeconds(60));

    /// <summary>Asserts that nothing holds a slot of the pool, its default queue or the deployment any more.</summary>
    public async Task AssertNoSlotHeldAsync(Deployment deployment)
    {
        Assert.Equal(0, (await Client.GetWorkPoolAsync("p")).SlotsInUse);
        Assert.Equal(0, (await Client.GetWorkQueueAsync("p", "default")).SlotsInUse);
        var holding = await Client.ListFlowRunsAsync(new FlowRunFilter(States: [.. StateSets.HoldingSlot], DeploymentId: deployment.Id));
        Assert.Equal(0, holding.Total);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }

        await Server.DisposeAsync();
    }
}
