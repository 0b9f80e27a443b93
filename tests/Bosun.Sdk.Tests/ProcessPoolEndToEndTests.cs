using System.Net;
using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Testing;
using Bosun.Worker;

namespace Bosun.Sdk.Tests;

/// <summary>
/// Flows deployed by their own executables to a process pool, run by a real worker (in this process) that starts
/// the executables as flow-run processes: the SDK's deploy, entry point, logs, failures, retries and cancellation.
/// </summary>
public sealed class ProcessPoolEndToEndTests
{
    private static WorkerOptions WorkerFor(string pool) => new()
    {
        PoolName = pool,
        Type = "process",
        Name = "sdk-test-worker",
        ClaimWait = TimeSpan.FromSeconds(5),
        CancellationPollInterval = TimeSpan.FromMilliseconds(200),
        StopGracePeriod = TimeSpan.FromSeconds(10),
    };

    [Fact]
    public async Task RepoInfo_DeployedAndRunWithParameters_CompletesWithStatisticsInLogs()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("my-process-pool");
        using var github = new StubHttpServer(new() { ["/repos/dotnet/runtime"] = """{"stargazers_count": 15001, "forks_count": 4702}""" });

        var output = await SdkScenario.RunToEndAsync(server, SdkScenario.RepoInfoDll, "deploy", "--pool", "my-process-pool");
        Assert.Contains("get-repo-info/my-first-deployment", output, StringComparison.Ordinal);
        var deployment = await client.GetDeploymentByNameAsync("get-repo-info/my-first-deployment");
        Assert.Equal("PrefectHQ/prefect", deployment.Parameters["repoName"]!.GetValue<string>());
        Assert.Equal("string", deployment.ParameterSchema!["properties"]!["repoName"]!["type"]!.GetValue<string>());

        await using var worker = await TestWorker.StartAsync(server, WorkerFor("my-process-pool"));
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["repoName"] = "dotnet/runtime", ["apiUrl"] = github.BaseUrl }));
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Completed, done.State.Type);
        var logs = await client.LogsContainingAsync(run.Id, "Forks 🍴 : 4702");
        Assert.Contains(logs, l => l is { Message: "dotnet/runtime repository statistics 🤓:", Source: LogSource.Flow });
        Assert.Contains(logs, l => l is { Message: "Stars 🌠 : 15001", Source: LogSource.Flow });
        Assert.DoesNotContain(logs, l => l.Source == LogSource.Infrastructure && l.Message.Contains("Stars", StringComparison.Ordinal));
        Assert.NotNull(done.LastHeartbeat);
    }

    [Fact]
    public async Task Flow_WithParametersAndILogger_LogsBoth()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        await SdkScenario.RunToEndAsync(server, RepoPaths.TestFlowsDll, "deploy", "--flow", "echo", "--name", "e", "--pool", "proc");
        var deployment = await client.GetDeploymentByNameAsync("echo/e");
        await using var worker = await TestWorker.StartAsync(server, WorkerFor("proc"));

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(JsonNode.Parse(
            """{"name": "world", "count": 2, "person": {"name": "Ada", "age": 36}, "tags": ["a", "b"]}""")!.AsObject()));
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Completed, done.State.Type);
        var logs = await client.LogsContainingAsync(run.Id, "logged through ILogger");
        Assert.Contains(logs, l => l.Message == "hello world #2");
        Assert.Contains(logs, l => l.Message == "person=Ada/36 tags=a,b");
        Assert.Contains(logs, l => l.Message == $"logged through ILogger for run {run.Id}" && l.Level == RunLogLevel.Info);
    }

    [Fact]
    public async Task Flow_Throws_FailedWithExceptionInLogs()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        await SdkScenario.RunToEndAsync(server, RepoPaths.TestFlowsDll, "deploy", "--flow", "fail", "--name", "f", "--pool", "proc");
        await using var worker = await TestWorker.StartAsync(server, WorkerFor("proc"));

        var run = await client.CreateFlowRunAsync((await client.GetDeploymentByNameAsync("fail/f")).Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Failed, done.State.Type);
        Assert.Equal("InvalidOperationException: boom from the flow", done.State.Message);
        var logs = await client.LogsContainingAsync(run.Id, "System.InvalidOperationException: boom from the flow");
        var error = logs.Single(l => l.Message.Contains("boom", StringComparison.Ordinal) && l.Source == LogSource.Flow);
        Assert.Equal(RunLogLevel.Error, error.Level);
        Assert.Contains("TestFlows.Fail()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flow_RetriesTwo_ThreeAttemptsThenFailed()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        await SdkScenario.RunToEndAsync(server, RepoPaths.TestFlowsDll, "deploy", "--flow", "flaky", "--name", "r", "--pool", "proc");
        var deployment = await client.GetDeploymentByNameAsync("flaky/r");
        Assert.Equal(2, deployment.Retries);
        await using var worker = await TestWorker.StartAsync(server, WorkerFor("proc"));

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Failed, done.State.Type);
        Assert.Equal(3, done.RunCount);
        var history = await client.GetFlowRunStatesAsync(run.Id);
        Assert.Equal(3, history.Count(s => s.Type == StateType.Running));
        Assert.Equal(2, history.Count(s => s.Name == StateNames.AwaitingRetry));
    }

    [Fact]
    public async Task Cancel_RunningFlow_TokenFiresAndRunCancelled()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        await SdkScenario.RunToEndAsync(server, RepoPaths.TestFlowsDll, "deploy", "--flow", "slow", "--name", "s", "--pool", "proc");
        await using var worker = await TestWorker.StartAsync(server, WorkerFor("proc"));
        var run = await client.CreateFlowRunAsync((await client.GetDeploymentByNameAsync("slow/s")).Id, new FlowRunCreate());
        await client.LogsContainingAsync(run.Id, "slow flow started");

        await client.CancelFlowRunAsync(run.Id);
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Cancelled, done.State.Type);
        await client.LogsContainingAsync(run.Id, "The flow stopped: the run was cancelled");
    }

    [Fact]
    public async Task FlowProcessKilled_WorkerReportsCrashedWithExitCode()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        await SdkScenario.RunToEndAsync(server, RepoPaths.TestFlowsDll, "deploy", "--flow", "suicide", "--name", "k", "--pool", "proc");
        await using var worker = await TestWorker.StartAsync(server, WorkerFor("proc"));

        var run = await client.CreateFlowRunAsync((await client.GetDeploymentByNameAsync("suicide/k")).Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Contains("exit code 137", done.State.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkerAndFlowKilled_HeartbeatLapses_RunCrashed()
    {
        await using var server = await TestServer.StartAsync(configure: o =>
        {
            o.RunHeartbeatTimeout = TimeSpan.FromSeconds(3);
            o.ServiceInterval = TimeSpan.FromMilliseconds(250);
        });
        var client = server.Client;
        await client.PoolAsync("proc");
        await SdkScenario.RunToEndAsync(server, RepoPaths.TestFlowsDll, "deploy", "--flow", "slow", "--name", "z", "--pool", "proc",
            "--job-variable", "env.BOSUN_RUN_HEARTBEAT_SECONDS=0.5");
        await using var worker = ChildProcess.StartCli(["worker", "start", "--pool", "proc"], SdkScenario.Env(server));
        await worker.WaitForLineAsync("started!");
        var run = await client.CreateFlowRunAsync((await client.GetDeploymentByNameAsync("slow/z")).Id, new FlowRunCreate());
        await client.WaitForStateAsync(run.Id, s => s.Type == StateType.Running, "the run is RUNNING");
        await Eventually.WaitUntilAsync(async () => (await client.GetFlowRunAsync(run.Id)).LastHeartbeat is not null, "the flow heartbeats");

        worker.Kill();
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Contains("stopped heartbeating", done.State.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_MissingPool_ClearErrorNamingIt()
    {
        await using var server = await TestServer.StartAsync();
        await using var process = ChildProcess.Start("dotnet", [RepoPaths.TestFlowsDll, "deploy", "--flow", "quick", "--name", "q", "--pool", "nowhere"], SdkScenario.Env(server));

        Assert.Equal(1, await process.WaitForExitAsync());
        Assert.Contains(process.Output, l => l.StartsWith("Error: Work pool 'nowhere' does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deploy_ImageToProcessPool_RefusedNoImageVariable()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("proc");
        await using var process = ChildProcess.Start("dotnet", [RepoPaths.TestFlowsDll, "deploy", "--flow", "quick", "--name", "q", "--pool", "proc", "--image", "x:1"], SdkScenario.Env(server));

        Assert.Equal(1, await process.WaitForExitAsync());
        Assert.Contains(process.Output, l => l.Contains("has no 'image' variable", StringComparison.Ordinal));
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => server.Client.GetDeploymentByNameAsync("quick/q"));
    }

    [Fact]
    public async Task CreateRun_ParameterOfWrongType_RefusedBySchemaFromSignature()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("proc");
        await SdkScenario.RunToEndAsync(server, RepoPaths.TestFlowsDll, "deploy", "--flow", "echo", "--name", "e", "--pool", "proc");
        var deployment = await server.Client.GetDeploymentByNameAsync("echo/e");

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["name"] = "x", ["count"] = "two" })), "count");
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["nmae"] = "x" })), "unknown parameter 'nmae'");
    }
}
