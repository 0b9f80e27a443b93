using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Worker.Tests;

/// <summary>`bosun worker start` as a real child process: kills, signals, limits, health and start-up errors.</summary>
public sealed class WorkerProcessTests
{
    private static Dictionary<string, string?> Env(TestServer server) => new() { ["BOSUN_API_URL"] = server.ApiUrl.ToString() };

    private static ChildProcess StartWorker(TestServer server, params string[] arguments) =>
        ChildProcess.StartCli(["worker", "start", "--heartbeat-seconds", "1", .. arguments], Env(server));

    [Fact]
    public async Task WorkerKilled_RunningRun_CrashedThroughHeartbeatRule()
    {
        await using var server = await TestServer.StartAsync(configure: o =>
        {
            o.RunHeartbeatTimeout = TimeSpan.FromSeconds(3);
            o.ServiceInterval = TimeSpan.FromMilliseconds(250);
        });
        var client = server.Client;
        await client.PoolAsync("proc");
        var deployment = await client.CommandDeploymentAsync("proc",
            FakeFlow.Shell($"{FakeFlow.Propose("RUNNING")}; while true; do {FakeFlow.Heartbeat()}; sleep 0.3; done"));
        await using var worker = StartWorker(server, "--pool", "proc");
        await worker.WaitForLineAsync("started!");
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await client.WaitForStateAsync(run.Id, s => s.Type == StateType.Running, "the run is RUNNING");
        await Eventually.WaitUntilAsync(async () => (await client.GetFlowRunAsync(run.Id)).LastHeartbeat is not null, "the flow process heartbeats");

        worker.Kill();
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Contains("stopped heartbeating", done.State.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoWorkers_LimitOneEach_NeverMoreThanTwoRunningAndEachRunOnce()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var marks = TempDirectory.Create("bosun-limit");
        var script = $"{FakeFlow.Propose("RUNNING")}; echo start $(date +%s%N) >> {marks}/$BOSUN_FLOW_RUN_ID; sleep 0.2; echo end $(date +%s%N) >> {marks}/$BOSUN_FLOW_RUN_ID; {FakeFlow.Propose("COMPLETED")}";
        var deployment = await client.CommandDeploymentAsync("proc", FakeFlow.Shell(script));
        await using var first = StartWorker(server, "--pool", "proc", "--limit", "1", "--name", "first");
        await using var second = StartWorker(server, "--pool", "proc", "--limit", "1", "--name", "second");
        await first.WaitForLineAsync("started!");
        await second.WaitForLineAsync("started!");

        var runs = new List<Guid>();
        for (var i = 0; i < 20; i++)
        {
            runs.Add((await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate())).Id);
        }

        await Eventually.WaitUntilAsync(async () => (await client.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Completed], Limit: 1))).Total == 20,
            "all 20 runs completed", TimeSpan.FromSeconds(90));

        var intervals = new List<(long Start, long End)>();
        foreach (var id in runs)
        {
            var lines = await File.ReadAllLinesAsync(Path.Combine(marks, id.ToString()));
            Assert.Equal(2, lines.Length);
            intervals.Add((long.Parse(lines[0][6..], CultureInfo.InvariantCulture), long.Parse(lines[1][4..], CultureInfo.InvariantCulture)));
            Assert.Equal(1, (await client.GetFlowRunAsync(id)).RunCount);
        }

        var events = intervals.SelectMany(i => new[] { (i.Start, +1), (i.End, -1) }).OrderBy(e => e.Item1).ThenBy(e => e.Item2);
        var running = 0;
        var maxRunning = 0;
        foreach (var (_, delta) in events)
        {
            running += delta;
            maxRunning = Math.Max(maxRunning, running);
        }

        Assert.InRange(maxRunning, 1, 2);
        var workers = (await client.ListFlowRunsAsync(new FlowRunFilter(Limit: 100))).Items.Select(r => r.WorkerName).Distinct().ToList();
        Assert.Equal(["first", "second"], workers.Order());
        TempDirectory.Delete(marks);
    }

    [Fact]
    public async Task Sigterm_RunOutlastsDrain_StoppedAndCrashedWorkerShutDown()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var deployment = await client.CommandDeploymentAsync("proc", FakeFlow.Shell($"{FakeFlow.Propose("RUNNING")}; sleep 120"));
        await using var worker = StartWorker(server, "--pool", "proc", "--drain-seconds", "1");
        await worker.WaitForLineAsync("started!");
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await client.WaitForStateAsync(run.Id, s => s.Type == StateType.Running, "the run is RUNNING");

        worker.Terminate();

        Assert.Equal(0, await worker.WaitForExitAsync());
        var done = await client.GetFlowRunAsync(run.Id);
        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Contains("worker shut down", done.State.Message, StringComparison.Ordinal);
        Assert.Contains(worker.Output, l => l.Contains("no new runs are claimed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sigterm_RunFinishesWithinDrain_CompletesAndWorkerExits()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var deployment = await client.CommandDeploymentAsync("proc", FakeFlow.Shell($"{FakeFlow.Propose("RUNNING")}; sleep 1; {FakeFlow.Propose("COMPLETED")}"));
        await using var worker = StartWorker(server, "--pool", "proc", "--drain-seconds", "30");
        await worker.WaitForLineAsync("started!");
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await client.WaitForStateAsync(run.Id, s => s.Type == StateType.Running, "the run is RUNNING");
        var other = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(ScheduledStartTime: TimeProvider.System.GetUtcNow().AddMinutes(5)));

        worker.Terminate();

        Assert.Equal(0, await worker.WaitForExitAsync());
        Assert.Equal(StateType.Completed, (await client.GetFlowRunAsync(run.Id)).State.Type);
        Assert.Equal(StateType.Scheduled, (await client.GetFlowRunAsync(other.Id)).State.Type);
    }

    [Fact]
    public async Task TypeMismatch_Refused_NamingBothTypes()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("docker-pool", type: "docker");

        await using var worker = StartWorker(server, "--pool", "docker-pool", "--type", "process");

        Assert.Equal(1, await worker.WaitForExitAsync());
        var error = Assert.Single(worker.Output, l => l.StartsWith("Error:", StringComparison.Ordinal));
        Assert.Contains("process worker", error, StringComparison.Ordinal);
        Assert.Contains("of type docker", error, StringComparison.Ordinal);
        Assert.DoesNotContain(worker.Output, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MissingPool_CreatedWithWorkerTypeAndDefaultTemplate()
    {
        await using var server = await TestServer.StartAsync();

        await using var worker = StartWorker(server, "--pool", "fresh", "--type", "process");
        await worker.WaitForLineAsync("started!");

        var pool = await server.Client.GetWorkPoolAsync("fresh");
        Assert.Equal("process", pool.Type);
        Assert.NotNull(pool.BaseJobTemplate["variables"]?["properties"]?["working_dir"]);
        await Eventually.WaitUntilAsync(async () => (await server.Client.GetWorkPoolAsync("fresh")).Status == ReadinessStatus.Ready, "the pool turns READY");
    }

    [Fact]
    public async Task RunOnce_ClaimsOnceWaitsForItsRunsAndExits()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var deployment = await client.CommandDeploymentAsync("proc", FakeFlow.Shell($"{FakeFlow.Propose("RUNNING")}; sleep 0.5; {FakeFlow.Propose("COMPLETED")}"));
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());

        await using var worker = StartWorker(server, "--pool", "proc", "--run-once");

        Assert.Equal(0, await worker.WaitForExitAsync());
        Assert.Equal(StateType.Completed, (await client.GetFlowRunAsync(run.Id)).State.Type);
    }

    [Fact]
    public async Task ServerUnreachable_WorkerSaysSoOnceAndRetriesWithoutStackTrace()
    {
        var port = StablePorts.Next();
        await using var worker = ChildProcess.StartCli(["worker", "start", "--pool", "p"], new Dictionary<string, string?> { ["BOSUN_API_URL"] = $"http://127.0.0.1:{port}/api" });

        var line = await worker.WaitForLineAsync("is not answering");

        Assert.Contains($"127.0.0.1:{port}", line, StringComparison.Ordinal);
        Assert.Contains("retried for up to 00:10:00", line, StringComparison.Ordinal);
        Assert.False(worker.HasExited);
        Assert.Single(worker.Output, l => l.Contains("is not answering", StringComparison.Ordinal));
        Assert.DoesNotContain(worker.Output, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HealthCheck_200WhilePolling_503OnceServerIsGone()
    {
        var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("proc");
        var port = StablePorts.Next();
        var options = WorkerScenario.Options("proc");
        options.WithHealthCheck = true;
        options.HealthCheckPort = port;
        options.ClaimWait = TimeSpan.FromMilliseconds(200);
        options.HealthStaleAfter = TimeSpan.FromSeconds(2);
        await using var worker = await TestWorker.StartAsync(server, options);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        HttpStatusCode? status = null;
        await Eventually.WaitUntilAsync(async () => (status = await StatusAsync(http)) == HttpStatusCode.OK, "/health answers 200",
            seen: () => $"last answer {status?.ToString() ?? "none (no connection)"}");
        await server.DisposeAsync();

        await Eventually.WaitUntilAsync(async () => (status = await StatusAsync(http)) == HttpStatusCode.ServiceUnavailable, "/health answers 503",
            seen: () => $"last answer {status?.ToString() ?? "none (no connection)"}");
    }

    [Fact]
    public async Task HealthPort_Metrics_RunsInFlightClaimsInfrastructureStartAndHeartbeatFailures()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var gate = Path.Combine(TempDirectory.Create("bosun-worker-metrics"), "go");
        var deployment = await client.CommandDeploymentAsync("proc",
            FakeFlow.Shell($"{FakeFlow.Propose("RUNNING")}; while [ ! -f {gate} ]; do sleep 0.1; done; {FakeFlow.Propose("COMPLETED")}"));
        var port = StablePorts.Next();
        var options = WorkerScenario.Options("proc");
        options.WithHealthCheck = true;
        options.HealthCheckPort = port;
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
        await using var worker = await TestWorker.StartAsync(server, options);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await client.WaitForStateAsync(run.Id, s => s.Type == StateType.Running, "the run is RUNNING");
        var running = await ScrapeAsync(http);

        Assert.Equal(1, running["bosun_worker_runs_in_flight"]);
        Assert.True(running["bosun_worker_claims_total"] >= 1);
        Assert.Equal(1, running["bosun_worker_claimed_runs_total"]);
        Assert.Equal(1, running["bosun_worker_infrastructure_start_seconds_count{type=\"process\"}"]);
        Assert.Equal(1, running["bosun_worker_infrastructure_start_seconds_bucket{type=\"process\",le=\"+Inf\"}"]);
        Assert.True(running["bosun_worker_infrastructure_start_seconds_sum{type=\"process\"}"] > 0);
        Assert.Equal(0, running["bosun_worker_heartbeat_failures_total"]);

        await File.WriteAllTextAsync(gate, "");
        await client.WaitForTerminalAsync(run.Id);
        await Eventually.WaitUntilAsync(async () => (await ScrapeAsync(http))["bosun_worker_runs_in_flight"] == 0, "no run is in flight any more");
        // A pool deleted under the worker refuses its heartbeats.
        await client.DeleteWorkPoolAsync("proc", force: true);
        await Eventually.WaitUntilAsync(async () => (await ScrapeAsync(http))["bosun_worker_heartbeat_failures_total"] >= 1, "a refused heartbeat is counted");
    }

    /// <summary>The samples of a Prometheus text page, by series (name and labels as written).</summary>
    private static async Task<Dictionary<string, double>> ScrapeAsync(HttpClient http)
    {
        using var response = await http.GetAsync(new Uri("metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain; version=0.0.4", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        return (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith('#'))
            .ToDictionary(line => line[..line.LastIndexOf(' ')], line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    private static async Task<HttpStatusCode?> StatusAsync(HttpClient http)
    {
        try
        {
            using var response = await http.GetAsync(new Uri("health", UriKind.Relative));
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
