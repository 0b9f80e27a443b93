using System.Text.Json.Nodes;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Server.Orchestration;
using Bosun.Testing;

namespace Bosun.Faults.Tests;

/// <summary>
/// One store's stage for a fault: a real server, a process pool with a real `bosun worker start` process, and the
/// test executable's "gate" flow, which prints "line 1".."line N" and holds after the first half until the test opens
/// its gate file (it writes gate.done as it returns).
/// </summary>
internal sealed class FaultScenario : IAsyncDisposable
{
    public const int Lines = 3000;

    private readonly string _directory;

    private FaultScenario(TestServer server, ChildProcess worker, Deployment deployment, string directory)
    {
        Server = server;
        Worker = worker;
        Deployment = deployment;
        _directory = directory;
    }

    public TestServer Server { get; }

    public ChildProcess Worker { get; }

    public Deployment Deployment { get; }

    public string Gate => Path.Combine(_directory, "gate");

    public bool FlowReturned => File.Exists(Gate + ".done");

    /// <param name="postgres">The store.</param>
    /// <param name="configure">Changes to the server's options.</param>
    /// <param name="flowHeartbeatSeconds">The flow-run processes' heartbeat interval.</param>
    /// <param name="workerApiUrl">The address the worker (and so its flow-run processes) is given, from the server's; default the server's.</param>
    /// <param name="workerArguments">More options of `bosun worker start`.</param>
    /// <param name="policy">Changes to the gate deployment (its timeout, its crash retries).</param>
    public static async Task<FaultScenario> StartAsync(bool postgres, Action<BosunServerOptions>? configure = null, double flowHeartbeatSeconds = 2,
        Func<TestServer, Uri>? workerApiUrl = null, IReadOnlyList<string>? workerArguments = null, Func<DeploymentUpsert, DeploymentUpsert>? policy = null)
    {
        var server = await TestServer.StartAsync(configure: configure, postgres: postgres);
        var client = server.Client;
        await client.PoolAsync("faults");
        var upsert = new DeploymentUpsert("gate", "faults", $"dotnet {RepoPaths.TestFlowsDll}", WorkPoolName: "faults");
        var deployment = await client.UpsertDeploymentAsync(policy?.Invoke(upsert) ?? upsert);
        var worker = await StartWorkerAsync(server, flowHeartbeatSeconds, workerApiUrl?.Invoke(server), workerArguments);
        return new FaultScenario(server, worker, deployment, TempDirectory.Create("bosun-fault"));
    }

    /// <summary>A `bosun worker start` process polling the scenario's pool, once it says it started.</summary>
    public static async Task<ChildProcess> StartWorkerAsync(TestServer server, double flowHeartbeatSeconds = 2, Uri? apiUrl = null, IReadOnlyList<string>? arguments = null)
    {
        var worker = ChildProcess.StartCli(["worker", "start", "--pool", "faults", "--heartbeat-seconds", "1", .. arguments ?? []], new Dictionary<string, string?>
        {
            ["BOSUN_API_URL"] = (apiUrl ?? server.ApiUrl).ToString(),
            // Inherited by the flow-run processes the worker starts.
            ["BOSUN_RUN_HEARTBEAT_SECONDS"] = flowHeartbeatSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await worker.WaitForLineAsync("started!");
        return worker;
    }

    /// <summary>Creates a run of the gate flow and waits until its first half of lines is stored.</summary>
    public async Task<FlowRun> StartRunHeldAtGateAsync()
    {
        var run = await Server.Client.CreateFlowRunAsync(Deployment.Id, new FlowRunCreate(new JsonObject { ["gate"] = Gate, ["lines"] = Lines }));
        await Eventually.WaitUntilAsync(async () => (await FlowLinesAsync(run.Id)).Count >= Lines / 2, "the first half of the lines is stored", TimeSpan.FromSeconds(120));
        return await Server.Client.GetFlowRunAsync(run.Id);
    }

    public void OpenGate() => File.WriteAllText(Gate, "");

    /// <summary>Every "line N" the flow wrote that the server stored, in stored order.</summary>
    public async Task<List<string>> FlowLinesAsync(Guid runId) =>
        (await LogsAsync(runId)).Where(l => l.Source == LogSource.Flow && l.Message.StartsWith("line ", StringComparison.Ordinal)).Select(l => l.Message).ToList();

    /// <summary>Every stored log line of the run, in stored order.</summary>
    public Task<List<LogEntry>> LogsAsync(Guid runId) => Server.Client.AllLogsAsync(runId);

    /// <summary>Polls the run; at the first sight of a final state, reads its lines at once (they must already all be there).</summary>
    public async Task<(FlowRun Run, List<string> LinesAtFinalState)> WaitForFinalStateAsync(Guid runId, TimeSpan timeout)
    {
        var run = await Eventually.ValueAsync(() => Server.Client.GetFlowRunAsync(runId), r => r.State.Type.IsTerminal(), $"run {runId} is finished", timeout);
        return (run, await FlowLinesAsync(runId));
    }

    public static void AssertEveryLineOnce(List<string> lines) =>
        Assert.Equal(Enumerable.Range(1, Lines).Select(i => $"line {i}"), lines);

    public async ValueTask DisposeAsync()
    {
        await Worker.DisposeAsync();
        await Server.DisposeAsync();
        TempDirectory.Delete(_directory);
    }
}
