using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.TaskRuns;
using Bosun.Testing;
using Bosun.Worker;

namespace Bosun.Sdk.Tests;

/// <summary>
/// Subflows and deployment runs started from a flow, in real flow-run processes (serve starts one per run; on a process
/// pool a real worker does), flows in tests/Bosun.Sdk.TestFlows/SubflowFlows.cs.
/// </summary>
public sealed class SubflowProcessTests
{
    [Fact]
    public async Task Subflow_CalledByAFlowAndFromATask_ChildRunsLinkedWithTheirOwnStatesTasksLogsAndResults()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var (serving, run) = await ServeAndRunAsync(server, "parent-with-subflow");
        await using var _ = serving;

        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Completed, done.State.Type);
        Assert.Equal("parent of bosun/bosun", (await client.GetFlowRunResultAsync(run.Id)).Value!["name"]!.GetValue<string>());
        var children = (await client.ListFlowRunsAsync(new FlowRunFilter(ParentFlowRunId: run.Id))).Items;
        Assert.Equal(2, children.Count);
        Assert.All(children, c => Assert.Equal(("child-stats", StateType.Completed, run.Id), (c.FlowName, c.State.Type, c.ParentFlowRunId)));
        var parentTasks = await client.ListTaskRunsAsync(run.Id);
        var callingTask = Assert.Single(parentTasks);
        Assert.Equal(("subflow-in-a-task", TaskRunStateType.Completed), (callingTask.TaskName, callingTask.State));
        var childRuns = await Task.WhenAll(children.Select(c => client.GetFlowRunAsync(c.Id)));
        var direct = childRuns.Single(c => c.Parameters["repo"]!.GetValue<string>() == "bosun/bosun");
        var fromTask = childRuns.Single(c => c.Id != direct.Id);
        Assert.Equal((null, callingTask.Id), (direct.ParentTaskRunId, fromTask.ParentTaskRunId));
        Assert.Equal("bosun/bosun/again", fromTask.Parameters["repo"]!.GetValue<string>());
        var childResult = (await client.GetFlowRunResultAsync(direct.Id)).Value!.AsObject();
        Assert.Equal(("bosun/bosun", 110), (childResult["name"]!.GetValue<string>(), childResult["stars"]!.GetValue<int>()));
        Assert.Equal(("fetch-stars", TaskRunStateType.Completed), Single(await client.ListTaskRunsAsync(direct.Id)));
        await client.LogsContainingAsync(direct.Id, "child: counting bosun/bosun");
        var parentLogs = await client.LogsContainingAsync(run.Id, "parent: calling the subflow");
        Assert.DoesNotContain(parentLogs, l => l.Message.StartsWith("child:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Subflow_Throws_ChildFailedAndParentFailsWithItsException()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var (serving, run) = await ServeAndRunAsync(server, "parent-failing-subflow");
        await using var _ = serving;

        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal((StateType.Failed, "InvalidOperationException: the child broke"), (done.State.Type, done.State.Message));
        var child = Assert.Single((await client.ListFlowRunsAsync(new FlowRunFilter(ParentFlowRunId: run.Id))).Items);
        Assert.Equal(("failing-child", StateType.Failed, "InvalidOperationException: the child broke"), (child.FlowName, child.State.Type, child.State.Message));
        Assert.Equal("the child", (await client.GetFlowRunAsync(child.Id)).Parameters["what"]!.GetValue<string>());
    }

    [Fact]
    public async Task CancelParent_SubflowRunning_BothCancelled()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var (serving, run) = await ServeAndRunAsync(server, "parent-waiting-subflow");
        await using var _ = serving;
        var child = await Eventually.ValueAsync(
            async () => (await client.ListFlowRunsAsync(new FlowRunFilter(ParentFlowRunId: run.Id))).Items,
            items => items.Count == 1, "the subflow run exists", TimeSpan.FromSeconds(60));
        await client.LogsContainingAsync(child[0].Id, "child: waiting to be cancelled");

        await client.CancelFlowRunAsync(run.Id);

        Assert.Equal(StateType.Cancelled, (await client.WaitForTerminalAsync(run.Id)).State.Type);
        Assert.Equal(StateType.Cancelled, (await client.WaitForTerminalAsync(child[0].Id)).State.Type);
    }

    [Fact]
    public async Task RunDeploymentAsync_OnAProcessPool_ChildRunLinkedAndItsResultReturned()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        foreach (var (flow, name) in new[] { ("double", "d"), ("deployment-caller", "c"), ("deployment-starter", "s") })
        {
            await SdkScenario.RunToEndAsync(server, RepoPaths.TestFlowsDll, "deploy", "--flow", flow, "--name", name, "--pool", "proc");
        }

        await using var worker = await TestWorker.StartAsync(server, new WorkerOptions
        {
            PoolName = "proc", Type = "process", Name = "sdk-test-worker", ClaimWait = TimeSpan.FromSeconds(5), StopGracePeriod = TimeSpan.FromSeconds(10),
        });
        var caller = await client.CreateFlowRunAsync((await client.GetDeploymentByNameAsync("deployment-caller/c")).Id,
            new FlowRunCreate(new JsonObject { ["deployment"] = "double/d", ["value"] = 21 }));
        var starter = await client.CreateFlowRunAsync((await client.GetDeploymentByNameAsync("deployment-starter/s")).Id,
            new FlowRunCreate(new JsonObject { ["deployment"] = "double/d", ["value"] = 5 }));

        Assert.Equal(StateType.Completed, (await client.WaitForTerminalAsync(caller.Id)).State.Type);
        Assert.Equal(42, (await client.GetFlowRunResultAsync(caller.Id)).Value!.GetValue<int>());
        var called = Assert.Single((await client.ListFlowRunsAsync(new FlowRunFilter(ParentFlowRunId: caller.Id))).Items);
        Assert.Equal(("double", "d", StateType.Completed), (called.FlowName, called.DeploymentName, called.State.Type));
        Assert.Equal(42, (await client.GetFlowRunResultAsync(called.Id)).Value!.GetValue<int>());
        await client.LogsContainingAsync(caller.Id, "caller: the deployment answered 42");

        // Not waiting: the starter's result is the id of a run that goes on by itself.
        Assert.Equal(StateType.Completed, (await client.WaitForTerminalAsync(starter.Id)).State.Type);
        var started = (await client.GetFlowRunResultAsync(starter.Id)).Value!.GetValue<Guid>();
        var startedRun = await client.WaitForTerminalAsync(started);
        Assert.Equal((starter.Id, StateType.Completed), (startedRun.ParentFlowRunId, startedRun.State.Type));
        Assert.Equal(10, (await client.GetFlowRunResultAsync(started)).Value!.GetValue<int>());
    }

    /// <summary>Serves <paramref name="flow"/> from the test executable (the caller disposes the process) and starts a run of it.</summary>
    private static async Task<(ChildProcess Serving, FlowRun Run)> ServeAndRunAsync(TestServer server, string flow)
    {
        var serving = await ChildProcess.ServeTestFlowAsync(flow, SdkScenario.Env(server));
        try
        {
            return (serving, await server.Client.CreateFlowRunAsync((await server.Client.GetDeploymentByNameAsync($"{flow}/served")).Id, new FlowRunCreate()));
        }
        catch
        {
            await serving.DisposeAsync();
            throw;
        }
    }

    private static (string, TaskRunStateType) Single(IReadOnlyList<TaskRun> taskRuns)
    {
        var taskRun = Assert.Single(taskRuns);
        return (taskRun.TaskName, taskRun.State);
    }
}
