using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.TaskRuns;
using Bosun.Testing;

namespace Bosun.Sdk.Tests;

/// <summary>A flow that suspends itself (tests/Bosun.Sdk.TestFlows/SuspendFlows.cs), served with one slot: each run a child process.</summary>
public sealed class SuspendProcessTests
{
    [Fact]
    public async Task SuspendAsync_ProcessExitsAndSlotFrees_ResumeReRunsWithInputWithoutRunningCompletedTaskAgain()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        // One slot: a second run can only run once the suspended one has given its process up.
        await using var serving = ChildProcess.Start("dotnet", [SdkScenario.TestFlowsDll, "serve", "--flow", "suspending", "--name", "served", "--limit", "1"], SdkScenario.Env(server));
        await serving.WaitForLineAsync("is being served");
        var deployment = await client.GetDeploymentByNameAsync("suspending/served");
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());

        var suspended = await client.WaitForStateAsync(run.Id, s => s.Type == StateType.Paused, "the run suspended");
        Assert.Equal(StateNames.Suspended, suspended.State.Name);
        Assert.Equal(["approved", "reviewer"], suspended.PauseInputSchema!["required"]!.AsArray().Select(n => n!.GetValue<string>()).Order());
        // Its process exited, and the worker left the run as it is (not CRASHED).
        await client.LogsContainingAsync(run.Id, "Infrastructure exited with code 0; the run is PAUSED");
        var other = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["suspend"] = false }));
        Assert.Equal(StateType.Completed, (await client.WaitForTerminalAsync(other.Id)).State.Type);
        Assert.Equal(StateType.Paused, (await client.GetFlowRunAsync(run.Id)).State.Type);

        await client.ResumeFlowRunAsync(run.Id, new FlowRunResume(new JsonObject { ["approved"] = true, ["reviewer"] = "grace" }));

        var done = await client.WaitForTerminalAsync(run.Id);
        Assert.Equal(StateType.Completed, done.State.Type);
        Assert.Equal("approved by grace (110 stars)", (await client.GetFlowRunResultAsync(run.Id)).Value!.GetValue<string>());
        Assert.Equal(2, done.RunCount);
        var logs = await client.LogsAsync(run.Id);
        Assert.Single(logs, l => l.Message.StartsWith("task body: count-stars", StringComparison.Ordinal));
        Assert.Single(logs, l => l.Message.StartsWith("task body: announce", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.Message.StartsWith("Task 'count-stars' answered from task run", StringComparison.Ordinal));
        var taskRuns = await client.ListTaskRunsAsync(run.Id);
        Assert.Equal([("announce", TaskRunStateType.Completed), ("count-stars", TaskRunStateType.Completed)],
            taskRuns.Select(t => (t.TaskName, t.State)).OrderBy(t => t.TaskName));
        Assert.Equal(
            [(StateType.Running, null), (StateType.Paused, StateNames.Suspended), (StateType.Scheduled, StateNames.Resuming), (StateType.Running, null), (StateType.Completed, null)],
            (await client.GetFlowRunStatesAsync(run.Id)).SkipWhile(s => s.Type != StateType.Running).Where(s => s.Type != StateType.Pending)
                .Select(s => (s.Type, s.Name is StateNames.Suspended or StateNames.Resuming ? s.Name : null)).ToList());
    }

    [Fact]
    public async Task SuspendAsync_RetriesOneResumedThenFailsOnce_ResumeUsesNoRetryAndTheRetryCompletes()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await using var serving = ChildProcess.Start("dotnet", [SdkScenario.TestFlowsDll, "serve", "--flow", "suspend-then-fail", "--name", "served"], SdkScenario.Env(server));
        await serving.WaitForLineAsync("is being served");
        var deployment = await client.GetDeploymentByNameAsync("suspend-then-fail/served");
        Assert.Equal(1, deployment.Retries);
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await client.WaitForStateAsync(run.Id, s => s.Name == StateNames.Suspended, "the run suspended");

        await client.ResumeFlowRunAsync(run.Id, new FlowRunResume(new JsonObject { ["approved"] = true, ["reviewer"] = "ada" }));

        var done = await client.WaitForTerminalAsync(run.Id);
        Assert.Equal(StateType.Completed, done.State.Type);
        Assert.Equal("retried, approved by ada", (await client.GetFlowRunResultAsync(run.Id)).Value!.GetValue<string>());
        // run_count still counts every attempt: before the suspension, after the resume, and the retry.
        Assert.Equal(3, done.RunCount);
        var retry = Assert.Single(await client.GetFlowRunStatesAsync(run.Id), s => s.Name == StateNames.AwaitingRetry);
        Assert.Contains("fails once after the resume", retry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SuspendAsync_InsideATaskWithRetries_TaskNotRetriedAndResumedRunCompletes()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await using var serving = ChildProcess.Start("dotnet", [SdkScenario.TestFlowsDll, "serve", "--flow", "suspend-in-task", "--name", "served"], SdkScenario.Env(server));
        await serving.WaitForLineAsync("is being served");
        var run = await client.CreateFlowRunAsync((await client.GetDeploymentByNameAsync("suspend-in-task/served")).Id, new FlowRunCreate());
        await client.WaitForStateAsync(run.Id, s => s.Name == StateNames.Suspended, "the run suspended");
        await client.LogsContainingAsync(run.Id, "Infrastructure exited with code 0; the run is PAUSED");

        var suspendedIn = Assert.Single(await client.ListTaskRunsAsync(run.Id));
        Assert.Equal((TaskRunStateType.Failed, 1), (suspendedIn.State, suspendedIn.Attempts));
        Assert.StartsWith("suspended:", suspendedIn.Message, StringComparison.Ordinal);
        Assert.Single(await client.LogsAsync(run.Id), l => l.Message.StartsWith("task body: ask-approval", StringComparison.Ordinal));

        await client.ResumeFlowRunAsync(run.Id, new FlowRunResume(new JsonObject { ["approved"] = true, ["reviewer"] = "grace" }));

        var done = await client.WaitForTerminalAsync(run.Id);
        Assert.Equal(StateType.Completed, done.State.Type);
        Assert.Equal("approved by grace in a task", (await client.GetFlowRunResultAsync(run.Id)).Value!.GetValue<string>());
        Assert.DoesNotContain(await client.ListTaskRunsAsync(run.Id), t => t.State == TaskRunStateType.Retrying || t.Attempts > 1);
    }

    [Fact]
    public async Task SuspendAsync_ResumedWithInvalidInput_Refused422AndStaysSuspended()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await using var serving = ChildProcess.Start("dotnet", [SdkScenario.TestFlowsDll, "serve", "--flow", "suspending", "--name", "served"], SdkScenario.Env(server));
        await serving.WaitForLineAsync("is being served");
        var run = await client.CreateFlowRunAsync((await client.GetDeploymentByNameAsync("suspending/served")).Id, new FlowRunCreate());
        await client.WaitForStateAsync(run.Id, s => s.Name == StateNames.Suspended, "the run suspended");

        await ApiAssert.FailsAsync(System.Net.HttpStatusCode.UnprocessableEntity,
            () => client.ResumeFlowRunAsync(run.Id, new FlowRunResume(new JsonObject { ["approved"] = true })), "reviewer");

        Assert.Equal(StateNames.Suspended, (await client.GetFlowRunAsync(run.Id)).State.Name);
    }
}
