using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Worker.Tests;

/// <summary>A real worker (in this process) running real child processes for a process pool.</summary>
public sealed class ProcessRunTests
{
    [Theory]
    [InlineData("exit 0", "exited with code 0 without reporting a final state")]
    [InlineData("exit 3", "non-zero exit code 3")]
    [InlineData("kill -9 $$", "killed (exit code 137")]
    public async Task ProcessRun_ExitWithoutFinalState_CrashedWithExplainedExitCode(string ending, string message)
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var deployment = await client.CommandDeploymentAsync("proc", FakeFlow.Shell($"echo out-line; echo err-line >&2; {ending}"));
        await using var worker = await TestWorker.StartAsync(server, WorkerScenario.Options("proc"));

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Contains(message, done.State.Message, StringComparison.Ordinal);
        Assert.NotNull(done.InfrastructureId);
        var logs = await client.FinalLogsAsync(run.Id);
        Assert.Contains(logs, l => l is { Message: "out-line", Source: LogSource.Infrastructure, Level: RunLogLevel.Info });
        Assert.Contains(logs, l => l is { Message: "err-line", Source: LogSource.Infrastructure, Level: RunLogLevel.Error });
        Assert.Contains(logs, l => l.Source == LogSource.Worker && l.Message.Contains(message, StringComparison.Ordinal));
    }

    /// <summary>
    /// The race behind ServeTests.Serve_CancelRun_StopsItAndCancels timing out under load: the flow process noticed its
    /// cancellation and exited before the runtime's own cancellation poll did, the runtime then proposed CRASHED, which
    /// the rules refuse after CANCELLING, and the run stayed CANCELLING. Here the runtime's poll never comes first.
    /// </summary>
    [Fact]
    public async Task ProcessRun_ExitsOnItsOwnWhileCancelling_RuntimeReportsCancelled()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var state = """curl -s "$BOSUN_API_URL/flow_runs/$BOSUN_FLOW_RUN_ID" -H "Authorization: Bearer ${BOSUN_API_KEY:-none}" """;
        var deployment = await client.CommandDeploymentAsync("proc",
            FakeFlow.Shell($"{FakeFlow.Propose("RUNNING")}; until {state} | grep -q CANCELLING; do sleep 0.1; done; exit 0"));
        var options = WorkerScenario.Options("proc");
        options.CancellationPollInterval = TimeSpan.FromHours(1);
        await using var worker = await TestWorker.StartAsync(server, options);
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await client.WaitForStateAsync(run.Id, s => s.Type == StateType.Running, "the run is RUNNING");

        await client.CancelFlowRunAsync(run.Id);

        var done = await client.WaitForTerminalAsync(run.Id);
        Assert.Equal(StateType.Cancelled, done.State.Type);
        Assert.Equal("cancelled: its infrastructure was stopped", done.State.Message);
    }

    [Fact]
    public async Task ProcessRun_FlowReportsCompleted_RunCompleted()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var deployment = await client.CommandDeploymentAsync("proc", FakeFlow.Shell($"{FakeFlow.Propose("RUNNING")}; echo working; {FakeFlow.Propose("COMPLETED")}"));
        await using var worker = await TestWorker.StartAsync(server, WorkerScenario.Options("proc"));

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Completed, done.State.Type);
        var logs = await client.FinalLogsAsync(run.Id);
        Assert.Contains(logs, l => l.Message == "working");
        Assert.Contains(logs, l => l.Message.Contains("exited with code 0; the run is COMPLETED", StringComparison.Ordinal));
        var names = (await client.GetFlowRunStatesAsync(run.Id)).Select(s => s.Name).ToList();
        Assert.Equal(["Scheduled", "Pending", "Submitting", "Running", "Completed"], names);
    }

    [Fact]
    public async Task ProcessRun_Environment_StandardVariablesThenRenderedEnv()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        Environment.SetEnvironmentVariable("BOSUN_TEST_WORKER_ONLY", "from-worker");
        var deployment = await client.CommandDeploymentAsync("proc",
            FakeFlow.Shell("echo run=$BOSUN_FLOW_RUN_ID pool=$BOSUN_WORK_POOL_NAME greeting=$GREETING extra=$EXTRA worker=$BOSUN_TEST_WORKER_ONLY removed=${REMOVED:-unset}"),
            jobVariables: JsonNode.Parse("""{"env": {"GREETING": "hello", "REMOVED": "set by the deployment"}}""")!.AsObject());
        await using var worker = await TestWorker.StartAsync(server, WorkerScenario.Options("proc"));

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(JobVariables: JsonNode.Parse("""{"env.EXTRA": "more", "env": {"REMOVED": null}}""")!.AsObject()));
        await client.WaitForTerminalAsync(run.Id);

        var logs = await client.FinalLogsAsync(run.Id);
        Assert.Contains(logs, l => l.Message == $"run={run.Id} pool=proc greeting=hello extra=more worker=from-worker removed=unset");
    }

    [Fact]
    public async Task ProcessRun_WorkingDirUnset_FreshTemporaryFolderRemovedAfterwards()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var deployment = await client.CommandDeploymentAsync("proc", FakeFlow.Shell("pwd"));
        await using var worker = await TestWorker.StartAsync(server, WorkerScenario.Options("proc"));

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await client.WaitForTerminalAsync(run.Id);

        var logs = await client.FinalLogsAsync(run.Id);
        var directory = logs.Single(l => l.Source == LogSource.Infrastructure).Message;
        Assert.Contains(run.Id.ToString("N"), directory, StringComparison.Ordinal);
        await Eventually.WaitUntilAsync(() => Task.FromResult(!Directory.Exists(directory)), "the run's temporary folder is removed");
    }

    [Fact]
    public async Task ProcessRun_WorkingDirSet_RunsThereAndKeepsIt()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var folder = TempDirectory.Create("bosun-workdir");
        // A new process pool allows no working_dir; its admin allows this one (the policy checks it again at the worker).
        await client.CreateWorkPoolAsync(new WorkPoolCreate("proc", "process")
        {
            JobVariablePolicy = new Dictionary<string, JobVariableRule> { ["working_dir"] = new(JobVariableRuleMode.Constrained, Allowed: [folder]) },
        });
        var deployment = await client.CommandDeploymentAsync("proc", FakeFlow.Shell("pwd"), jobVariables: new JsonObject { ["working_dir"] = folder });
        await using var worker = await TestWorker.StartAsync(server, WorkerScenario.Options("proc"));

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await client.WaitForTerminalAsync(run.Id);

        Assert.Contains(await client.FinalLogsAsync(run.Id), l => l.Message == folder);
        Assert.True(Directory.Exists(folder));
        TempDirectory.Delete(folder);
    }

    [Fact]
    public async Task ProcessRun_StreamOutputFalse_OutputNotShipped()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var deployment = await client.CommandDeploymentAsync("proc", FakeFlow.Shell("echo secret-output"), jobVariables: new JsonObject { ["stream_output"] = false });
        await using var worker = await TestWorker.StartAsync(server, WorkerScenario.Options("proc"));

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await client.WaitForTerminalAsync(run.Id);

        var logs = await client.FinalLogsAsync(run.Id);
        Assert.DoesNotContain(logs, l => l.Source == LogSource.Infrastructure);
    }

    [Fact]
    public async Task ProcessRun_CommandNotFound_CrashedFailedToSubmitWithReasonInLogs()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var deployment = await client.CommandDeploymentAsync("proc", "no-such-program-bosun --flag");
        await using var worker = await TestWorker.StartAsync(server, WorkerScenario.Options("proc"));

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.StartsWith("failed to submit: command 'no-such-program-bosun' was not found", done.State.Message, StringComparison.Ordinal);
        Assert.Null(done.InfrastructureId);
        var logs = await Eventually.ValueAsync(() => client.LogsAsync(run.Id), l => l.Any(x => x.Level == RunLogLevel.Error), "the error reached the logs");
        Assert.Contains(logs, l => l.Message.Contains("no-such-program-bosun", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancel_LongRunningProcess_WholeTreeKilledThenCancelled()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var marker = Random.Shared.Next(100_000, 999_999);
        var deployment = await client.CommandDeploymentAsync("proc", FakeFlow.Shell($"{FakeFlow.Propose("RUNNING")}; sleep {marker}1 & sleep {marker}2 & wait"));
        await using var worker = await TestWorker.StartAsync(server, WorkerScenario.Options("proc"));
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await client.WaitForStateAsync(run.Id, s => s.Type == StateType.Running, "the run is RUNNING");
        await Eventually.WaitUntilAsync(() => Task.FromResult(ProcessesWith($"sleep {marker}1") == 2 && ProcessesWith($"sleep {marker}2") == 2), "the shell and both children are running");

        Assert.Equal(StateType.Cancelling, (await client.CancelFlowRunAsync(run.Id)).State.Type);
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Cancelled, done.State.Type);
        await Eventually.WaitUntilAsync(() => Task.FromResult(ProcessesWith($"sleep {marker}") == 0), "no process of the run is left");
    }

    /// <summary>
    /// The runtime read only the first 500 CANCELLING runs of its pool (newest first): a run of its own listed after 500
    /// others being cancelled elsewhere was never stopped, and stayed CANCELLING.
    /// </summary>
    [Fact]
    public async Task Cancel_RunListedAfterFiveHundredOthersCancelling_StillStoppedAndCancelled()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var later = TimeProvider.System.GetUtcNow().AddMinutes(30);
        // 501 runs due later (so listed before ours), taken ahead by another worker and then cancelled: CANCELLING.
        var others = await client.CreateFlowRunsAsync((await client.CommandDeploymentAsync("proc", "true", name: "others")).Id,
            Enumerable.Range(0, 501).Select(_ => new FlowRunCreate(ScheduledStartTime: later)).ToList());
        Assert.Equal(501, (await client.ClaimAsync("proc", max: 1000, worker: "elsewhere", prefetchSeconds: 3600)).Runs.Count);
        foreach (var chunk in others.Chunk(50))
        {
            await Task.WhenAll(chunk.Select(other => client.CancelFlowRunAsync(other.Id)));
        }

        Assert.Equal(501, (await client.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Cancelling], WorkPoolName: "proc"))).Total);
        var deployment = await client.CommandDeploymentAsync("proc", FakeFlow.Shell($"{FakeFlow.Propose("RUNNING")}; sleep 600"));
        await using var worker = await TestWorker.StartAsync(server, WorkerScenario.Options("proc"));
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await client.WaitForStateAsync(run.Id, s => s.Type == StateType.Running, "the run is RUNNING");

        Assert.Equal(StateType.Cancelling, (await client.CancelFlowRunAsync(run.Id)).State.Type);
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Cancelled, done.State.Type);
        Assert.Equal("cancelled: its infrastructure was stopped", done.State.Message);
    }

    /// <summary>
    /// A run the server gave this worker by a claim whose answer never arrived (here a claim made in its name with nobody to
    /// answer: as a claim whose client gave up) is handed back to its queue while the worker claims, after two heartbeat
    /// checks that did not know it, and nothing else of the worker's is touched.
    /// </summary>
    [Fact]
    public async Task HeldRunNeverReceived_HandedBackToItsQueueWhileClaiming()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var deployment = await client.CommandDeploymentAsync("proc", "true");
        var options = WorkerScenario.Options("proc");
        await using var worker = await TestWorker.StartAsync(server, options);
        // Due in an hour: the worker's own claims (10 s ahead) never take it.
        var lost = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(ScheduledStartTime: TimeProvider.System.GetUtcNow().AddHours(1)));
        Assert.Equal(lost.Id, Assert.Single((await client.ClaimAsync("proc", worker: options.Name!, prefetchSeconds: 7200)).Runs).FlowRun.Id);

        var back = await client.WaitForStateAsync(lost.Id, state => state.Type == StateType.Scheduled, "the run is back in its queue", TimeSpan.FromSeconds(90));

        Assert.Equal("handed back: its claim's answer never reached the worker", back.State.Message);
        Assert.Equal(lost.ExpectedStartTime, back.ExpectedStartTime);
        await Eventually.WaitUntilAsync(async () => (await client.LogsAsync(lost.Id)).Any(l => l.Message.Contains("never reached it", StringComparison.Ordinal)),
            "the run's log says why it went back");
    }

    private static int ProcessesWith(string fragment)
    {
        var count = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                var state = File.ReadAllText(Path.Combine(directory, "stat"));
                // A zombie (state Z) has already exited; it only waits for its parent to read its status.
                if (commandLine.Contains(fragment, StringComparison.Ordinal) && !state.Contains(") Z ", StringComparison.Ordinal))
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours.
            }
        }

        return count;
    }
}
