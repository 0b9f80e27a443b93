using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.TaskRuns;
using Bosun.Testing;

namespace Bosun.Sdk.Tests;

/// <summary>Flows with tasks in real flow-run processes (serve starts one child process per run).</summary>
public sealed class TaskProcessTests
{
    [Fact]
    public async Task CachedTasks_TwoRunsInTwoProcesses_SecondRunGetsCachedResultsWithoutRunningBodies()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await using var serving = ChildProcess.Start("dotnet", [RepoPaths.TestFlowsDll, "serve", "--flow", "cached-tasks", "--name", "served"], SdkScenario.Env(server));
        await serving.WaitForLineAsync("is being served");
        var deployment = await client.GetDeploymentByNameAsync("cached-tasks/served");

        var first = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        Assert.Equal(StateType.Completed, (await client.WaitForTerminalAsync(first.Id)).State.Type);
        var second = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        Assert.Equal(StateType.Completed, (await client.WaitForTerminalAsync(second.Id)).State.Type);

        var firstTasks = await client.ListTaskRunsAsync(first.Id);
        var secondTasks = await client.ListTaskRunsAsync(second.Id);
        Assert.Equal(["fetch-contributors", "fetch-stars"], firstTasks.Select(t => t.TaskName).Order());
        Assert.All(firstTasks, t => Assert.Equal(TaskRunStateType.Completed, t.State));
        Assert.All(secondTasks, t => Assert.Equal(TaskRunStateType.Cached, t.State));
        Assert.Equal(2, secondTasks.Count);
        Assert.Equal(2, (await client.LogsAsync(first.Id)).Count(l => l.Message.StartsWith("task body:", StringComparison.Ordinal)));
        Assert.DoesNotContain(await client.LogsAsync(second.Id), l => l.Message.StartsWith("task body:", StringComparison.Ordinal));
        foreach (var run in new[] { first.Id, second.Id })
        {
            var result = (await client.GetFlowRunResultAsync(run)).Value!.AsObject();
            Assert.Equal(("bosun/bosun", 110, "ada,grace"), (result["name"]!.GetValue<string>(), result["stars"]!.GetValue<int>(),
                string.Join(',', result["contributors"]!.AsArray().Select(c => c!.GetValue<string>()))));
        }
    }

    [Fact]
    public async Task FailingTask_InAFlowRunProcess_ExceptionOnTaskRunAndFlowFails()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await using var serving = ChildProcess.Start("dotnet", [RepoPaths.TestFlowsDll, "serve", "--flow", "failing-task", "--name", "served"], SdkScenario.Env(server));
        await serving.WaitForLineAsync("is being served");
        var run = await client.CreateFlowRunAsync((await client.GetDeploymentByNameAsync("failing-task/served")).Id, new FlowRunCreate());

        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Failed, done.State.Type);
        Assert.Contains("exploded on the widget", done.State.Message, StringComparison.Ordinal);
        var taskRun = Assert.Single(await client.ListTaskRunsAsync(run.Id));
        Assert.Equal(("explode", TaskRunStateType.Failed, 2), (taskRun.TaskName, taskRun.State, taskRun.Attempts));
        Assert.Contains("System.InvalidOperationException: exploded on the widget", (await client.GetTaskRunAsync(taskRun.Id)).Message, StringComparison.Ordinal);
        await client.LogsContainingAsync(run.Id, "Task 'explode'");
        await ApiAssert.FailsAsync(System.Net.HttpStatusCode.NotFound, () => client.GetFlowRunResultAsync(run.Id), "no result");
    }
}
