using System.Net;
using System.Text.Json.Nodes;
using Bosun.Contracts.Logs;
using Bosun.Contracts.Results;
using Bosun.Contracts.TaskRuns;
using Bosun.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Server.Tests;

/// <summary>Task runs through the API: batched records, reads, the cache lookup, and results of flow and task runs.</summary>
public sealed class TaskRunApiTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task RecordTaskRuns_ManyTransitionsInOneBatch_NewestSequenceKeptPerTaskRun()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var run = await RunAsync(client);
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();

        await client.RecordTaskRunsAsync(
        [
            new TaskRunReport(first, run, "fetch", 1, TaskRunStateType.Pending, 0),
            new TaskRunReport(first, run, "fetch", 2, TaskRunStateType.Running, 1, StartTime: T0),
            new TaskRunReport(second, run, "parse", 1, TaskRunStateType.Running, 1, StartTime: T0),
            new TaskRunReport(first, run, "fetch", 3, TaskRunStateType.Completed, 1, T0, T0.AddSeconds(2), Result: 42, HasResult: true),
        ]);
        // A batch sent again after a lost answer, or overtaken by a newer one, changes nothing.
        await client.RecordTaskRunsAsync([new TaskRunReport(first, run, "fetch", 2, TaskRunStateType.Running, 1, StartTime: T0)]);

        var taskRuns = await client.ListTaskRunsAsync(run);
        Assert.Equal(2, taskRuns.Count);
        var fetch = Assert.Single(taskRuns, t => t.Id == first);
        Assert.Equal((TaskRunStateType.Completed, 1, T0, T0.AddSeconds(2), true), (fetch.State, fetch.Attempts, fetch.StartTime, fetch.EndTime, fetch.HasResult));
        Assert.Equal(TaskRunStateType.Running, taskRuns.Single(t => t.Id == second).State);
        Assert.Equal(42, (await client.GetTaskRunResultAsync(first)).Value!.GetValue<int>());
        Assert.Equal("fetch", (await client.GetTaskRunAsync(first)).TaskName);
    }

    [Fact]
    public async Task ReadLogs_LinesWrittenByTaskRuns_FilteredByTaskRunOrTaskNameAndCarryTheirTaskRun()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var run = await RunAsync(client);
        var (fetchOne, fetchTwo, parse) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await client.RecordTaskRunsAsync(
        [
            new TaskRunReport(fetchOne, run, "fetch", 1, TaskRunStateType.Running, 1),
            new TaskRunReport(fetchTwo, run, "fetch", 1, TaskRunStateType.Running, 1),
            new TaskRunReport(parse, run, "parse", 1, TaskRunStateType.Running, 1),
        ]);
        LogCreate Line(string message, Guid? taskRun) =>
            new(run, T0, Contracts.Logs.RunLogLevel.Info, message) { TaskRunId = taskRun };
        await client.WriteLogsAsync([Line("flow starts", null), Line("fetch one", fetchOne), Line("parse", parse), Line("fetch two", fetchTwo), Line("flow ends", null)]);

        var all = (await client.ReadLogsAsync(run)).Items;
        var one = await client.ReadTaskLogsAsync(run, fetchOne, null);
        var fetches = await client.ReadTaskLogsAsync(run, null, "fetch");

        Assert.Equal([null, fetchOne, parse, fetchTwo, null], all.Select(line => line.TaskRunId));
        Assert.Equal(["fetch one"], one.Items.Select(line => line.Message));
        Assert.Equal(1, one.Total);
        Assert.Equal(["fetch one", "fetch two"], fetches.Items.Select(line => line.Message));
        Assert.Equal(2, fetches.Total);
        Assert.Empty((await client.ReadTaskLogsAsync(run, null, "nothing")).Items);
    }

    [Fact]
    public async Task RecordTaskRuns_UnknownFlowRun_404AndNothingRecorded()
    {
        await using var server = await TestServer.StartAsync();
        var run = await RunAsync(server.Client);
        var missing = Guid.NewGuid();

        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => server.Client.RecordTaskRunsAsync(
            [new TaskRunReport(Guid.NewGuid(), run, "a", 1, TaskRunStateType.Running, 1), new TaskRunReport(Guid.NewGuid(), missing, "b", 1, TaskRunStateType.Running, 1)]),
            missing.ToString());

        Assert.Empty(await server.Client.ListTaskRunsAsync(run));
    }

    [Fact]
    public async Task RecordTaskRuns_BadInput_422NamingTheField()
    {
        await using var server = await TestServer.StartAsync();
        var run = await RunAsync(server.Client);

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => server.Client.RecordTaskRunsAsync([new TaskRunReport(Guid.NewGuid(), run, " ", 1, TaskRunStateType.Running, 1)]), "task_name");
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => server.Client.RecordTaskRunsAsync(Enumerable.Range(0, 1001).Select(_ => new TaskRunReport(Guid.NewGuid(), run, "t", 1, TaskRunStateType.Running, 1)).ToList()), "1000");
    }

    [Fact]
    public async Task GetTaskRun_Unknown_404ProblemSayingHowToList()
    {
        await using var server = await TestServer.StartAsync();

        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => server.Client.GetTaskRunAsync(Guid.NewGuid()), "task-run ls");
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => server.Client.ListTaskRunsAsync(Guid.NewGuid()), "does not exist");
    }

    [Fact]
    public async Task LookUpTaskCache_CompletedUnexpiredEntry_HitUntilExpiryThen404()
    {
        var clock = new FakeTimeProvider(T0);
        await using var server = await TestServer.StartAsync(clock);
        var client = server.Client;
        var run = await RunAsync(client);
        var completed = Guid.NewGuid();
        await client.RecordTaskRunsAsync(
        [
            new TaskRunReport(completed, run, "fetch", 3, TaskRunStateType.Completed, 1, T0, T0, CacheKey: "k1", CacheExpiration: T0.AddMinutes(10), Result: JsonNode.Parse("""{"stars":5}"""), HasResult: true),
            new TaskRunReport(Guid.NewGuid(), run, "fetch", 3, TaskRunStateType.Failed, 1, T0, T0, CacheKey: "k2", CacheExpiration: T0.AddMinutes(10)),
        ]);

        var hit = await client.LookUpTaskCacheAsync("k1");
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => client.LookUpTaskCacheAsync("k2"), "k2");
        clock.Advance(TimeSpan.FromMinutes(10));
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => client.LookUpTaskCacheAsync("k1"), "No unexpired result");

        Assert.Equal((completed, """{"stars":5}""", T0.AddMinutes(10)), (hit.TaskRunId, hit.ResultJson, hit.CacheExpiration));
    }

    public static TheoryData<string> Results => new()
    {
        "42", "\"text\"", "true", "null", """{"name":"Ada","age":36,"tags":["a","b"]}""", "[1,2,3]", """{"nested":{"list":[{"x":1},{"x":null}]}}""",
    };

    [Theory]
    [MemberData(nameof(Results))]
    public async Task FlowRunResult_RoundTrip_SameJsonBack(string json)
    {
        await using var server = await TestServer.StartAsync();
        var run = await RunAsync(server.Client);

        await server.Client.SetFlowRunResultAsync(run, new ResultWrite(JsonNode.Parse(json)));

        var result = await server.Client.GetFlowRunResultAsync(run);
        Assert.Equal(json, result.Value?.ToJsonString() ?? "null");
        Assert.False(result.StoredByReference);
    }

    [Fact]
    public async Task FlowRunResult_LargerThan64KiB_StoredInResultFolderAndReadBackWhole()
    {
        var folder = TempDirectory.Create("bosun-results");
        await using var server = await TestServer.StartAsync(configure: options => options.ResultDirectory = folder);
        var run = await RunAsync(server.Client);
        var large = new JsonArray(Enumerable.Range(0, 20_000).Select(i => (JsonNode?)JsonValue.Create($"item-{i}")).ToArray()).ToJsonString();
        var taskRun = Guid.NewGuid();

        await server.Client.SetFlowRunResultAsync(run, new ResultWrite(JsonNode.Parse(large)));
        await server.Client.RecordTaskRunsAsync([new TaskRunReport(taskRun, run, "big", 2, TaskRunStateType.Completed, 1, Result: JsonNode.Parse(large), HasResult: true)]);

        var flowResult = await server.Client.GetFlowRunResultAsync(run);
        var taskResult = await server.Client.GetTaskRunResultAsync(taskRun);
        Assert.True(large.Length > 64 * 1024);
        Assert.Equal((large, true, large.Length), (flowResult.Value!.ToJsonString(), flowResult.StoredByReference, (int)flowResult.SizeBytes));
        Assert.Equal((large, true), (taskResult.Value!.ToJsonString(), taskResult.StoredByReference));
        Assert.Equal(2, Directory.GetFiles(folder, "*.json").Length);
    }

    [Fact]
    public async Task DeleteFlowRun_ResultsInResultFolder_ItsFilesRemovedOthersKeptAndAFileAlreadyGoneDoesNotFailTheDelete()
    {
        var folder = TempDirectory.Create("bosun-results");
        await using var server = await TestServer.StartAsync(configure: options => options.ResultDirectory = folder);
        var client = server.Client;
        var large = JsonNode.Parse(new JsonArray(Enumerable.Range(0, 20_000).Select(i => (JsonNode?)JsonValue.Create($"item-{i}")).ToArray()).ToJsonString())!;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var (first, second) = ((await client.RunAsync(deployment)).Id, (await client.RunAsync(deployment)).Id);
        var (firstTask, secondTask) = (Guid.NewGuid(), Guid.NewGuid());
        foreach (var (run, task) in new[] { (first, firstTask), (second, secondTask) })
        {
            await client.SetFlowRunResultAsync(run, new ResultWrite(large.DeepClone()));
            await client.RecordTaskRunsAsync([new TaskRunReport(task, run, "big", 2, TaskRunStateType.Completed, 1, Result: large.DeepClone(), HasResult: true)]);
        }

        string[] Files() => Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        Assert.Equal(new[] { $"flow-{first}.json", $"flow-{second}.json", $"task-{firstTask}.json", $"task-{secondTask}.json" }.Order(StringComparer.Ordinal), Files());

        await client.DeleteFlowRunAsync(first);

        Assert.Equal(new[] { $"flow-{second}.json", $"task-{secondTask}.json" }, Files());
        Assert.Equal(large.ToJsonString(), (await client.GetFlowRunResultAsync(second)).Value!.ToJsonString());

        File.Delete(Path.Combine(folder, $"flow-{second}.json"));
        await client.DeleteFlowRunAsync(second);

        Assert.Empty(Files());
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => client.GetFlowRunAsync(second), "does not exist");
    }

    [Fact]
    public async Task DeleteDeployment_ScheduledRunWithTaskResultInResultFolder_FileRemovedWithTheRun()
    {
        var folder = TempDirectory.Create("bosun-results");
        await using var server = await TestServer.StartAsync(configure: options => options.ResultDirectory = folder);
        var client = server.Client;
        var large = JsonNode.Parse(new JsonArray(Enumerable.Range(0, 20_000).Select(i => (JsonNode?)JsonValue.Create($"item-{i}")).ToArray()).ToJsonString());
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var run = await client.RunAsync(deployment);
        Assert.Equal(Contracts.States.StateType.Scheduled, run.State.Type);
        await client.RecordTaskRunsAsync([new TaskRunReport(Guid.NewGuid(), run.Id, "big", 2, TaskRunStateType.Completed, 1, Result: large, HasResult: true)]);
        Assert.Single(Directory.GetFiles(folder));

        await client.DeleteDeploymentAsync(deployment.Id);

        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => client.GetFlowRunAsync(run.Id), "does not exist");
        Assert.Empty(Directory.GetFiles(folder));
    }

    [Fact]
    public async Task FlowRunResult_NoneRecorded_404()
    {
        await using var server = await TestServer.StartAsync();
        var run = await RunAsync(server.Client);

        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => server.Client.GetFlowRunResultAsync(run), "no result");
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => server.Client.SetFlowRunResultAsync(Guid.NewGuid(), new ResultWrite(1)), "does not exist");
    }

    private static async Task<Guid> RunAsync(Bosun.Client.BosunClient client)
    {
        await client.PoolAsync("p");
        return (await client.RunAsync(await client.DeploymentAsync("p"))).Id;
    }
}
