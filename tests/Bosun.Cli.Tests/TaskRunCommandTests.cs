using Bosun.Contracts.Results;
using Bosun.Contracts.TaskRuns;
using Bosun.Testing;

namespace Bosun.Cli.Tests;

/// <summary>`bosun task-run ...` and the result in `bosun flow-run inspect`, against a real server.</summary>
public sealed class TaskRunCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly CliRunner _cli = fixture.NewCli();

    public void Dispose() => _cli.Dispose();

    private async Task<Guid> RunAsync()
    {
        var pool = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(pool);
        return (await fixture.Client.RunAsync(await fixture.Client.DeploymentAsync(pool, flow: ServerFixture.Unique("flow")))).Id;
    }

    [Fact]
    public async Task LsAndInspect_FailedTaskRun_StateAttemptsAndExceptionShown()
    {
        var run = await RunAsync();
        var failed = Guid.NewGuid();
        var now = TimeProvider.System.GetUtcNow();
        await fixture.Client.RecordTaskRunsAsync(
        [
            new TaskRunReport(failed, run, "fetch", 5, TaskRunStateType.Failed, 3, now, now.AddSeconds(1),
                "System.Net.Http.HttpRequestException: 503 from api.github.com\n   at Fetch()"),
            new TaskRunReport(Guid.NewGuid(), run, "parse", 2, TaskRunStateType.Completed, 1, now, now, Result: new System.Text.Json.Nodes.JsonArray(1, 2), HasResult: true),
        ]);

        var table = (await _cli.RunAsync("task-run", "ls", "--flow-run", run.ToString())).Succeeded();
        var json = (await _cli.RunAsync("task-run", "ls", "--flow-run", run.ToString(), "--output", "json")).Json();
        var inspect = (await _cli.RunAsync("task-run", "inspect", failed.ToString())).Succeeded();

        Assert.Contains("FAILED", table.Out, StringComparison.Ordinal);
        Assert.Contains("COMPLETED", table.Out, StringComparison.Ordinal);
        Assert.Contains("503 from api.github.com", table.Out, StringComparison.Ordinal);
        Assert.Equal(["fetch", "parse"], json.EnumerateArray().Select(t => t.GetProperty("task_name").GetString()).Order());
        Assert.Contains("HttpRequestException: 503 from api.github.com", inspect.Out, StringComparison.Ordinal);
        Assert.Contains("at Fetch()", inspect.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FlowRunLogs_TaskOption_OnlyThatTasksLines()
    {
        var run = await RunAsync();
        var fetch = Guid.NewGuid();
        await fixture.Client.RecordTaskRunsAsync([new TaskRunReport(fetch, run, "fetch", 1, TaskRunStateType.Running, 1)]);
        var now = TimeProvider.System.GetUtcNow();
        await fixture.Client.WriteLogsAsync(
        [
            new Contracts.Logs.LogCreate(run, now, Contracts.Logs.RunLogLevel.Info, "the flow's own line"),
            new Contracts.Logs.LogCreate(run, now, Contracts.Logs.RunLogLevel.Info, "fetching the repository") { TaskRunId = fetch },
        ]);

        var all = (await _cli.RunAsync("flow-run", "logs", run.ToString())).Succeeded();
        var task = (await _cli.RunAsync("flow-run", "logs", run.ToString(), "--task", "fetch")).Succeeded();

        Assert.Contains("the flow's own line", all.Out, StringComparison.Ordinal);
        Assert.Contains("fetching the repository", task.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("the flow's own line", task.Out, StringComparison.Ordinal);
        Assert.Contains("No task run of task 'parse'", (await _cli.RunAsync("flow-run", "logs", run.ToString(), "--task", "parse")).Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_UnknownTaskRun_ErrorLineSayingHowToList()
    {
        (await _cli.RunAsync("task-run", "inspect", Guid.NewGuid().ToString())).FailedWith("task-run ls");
    }

    [Fact]
    public async Task FlowRunInspect_RunWithResult_ShowsIt()
    {
        var run = await RunAsync();
        await fixture.Client.SetFlowRunResultAsync(run, new ResultWrite(new System.Text.Json.Nodes.JsonObject { ["stars"] = 1234 }));

        var inspect = (await _cli.RunAsync("flow-run", "inspect", run.ToString())).Succeeded();

        Assert.Contains("Result", inspect.Out, StringComparison.Ordinal);
        Assert.Contains("1234", inspect.Out, StringComparison.Ordinal);
        Assert.Contains("(serializer json)", inspect.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FlowRunAndTaskRunInspect_GzipJsonResult_SerializerShownAndValueDecoded()
    {
        var run = await RunAsync();
        var taskRun = Guid.NewGuid();
        var value = new System.Text.Json.Nodes.JsonArray(Enumerable.Range(1, 3).Select(i => (System.Text.Json.Nodes.JsonNode?)new System.Text.Json.Nodes.JsonObject { ["login"] = $"contributor-{i}" }).ToArray());
        var stored = Gzip(value.ToJsonString());
        await fixture.Client.SetFlowRunResultAsync(run, new ResultWrite(stored) { Serializer = "gzip-json" });
        await fixture.Client.RecordTaskRunsAsync([new TaskRunReport(taskRun, run, "fetch", 2, TaskRunStateType.Completed, 1, Result: stored, HasResult: true) { ResultSerializer = "gzip-json" }]);

        var flowInspect = (await _cli.RunAsync("flow-run", "inspect", run.ToString())).Succeeded();
        var taskInspect = (await _cli.RunAsync("task-run", "inspect", taskRun.ToString())).Succeeded();

        foreach (var output in new[] { flowInspect.Out, taskInspect.Out })
        {
            Assert.Contains("contributor-3", output, StringComparison.Ordinal);
            Assert.Contains("(serializer gzip-json, shown decoded)", output, StringComparison.Ordinal);
            Assert.DoesNotContain(stored, output, StringComparison.Ordinal);
        }
    }

    private static string Gzip(string json)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(System.Text.Encoding.UTF8.GetBytes(json));
        }

        return Convert.ToBase64String(buffer.ToArray());
    }
}
