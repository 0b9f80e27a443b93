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
        await using var serving = ChildProcess.Start("dotnet", [RepoPaths.TestFlowsDll, "serve", "--flow", "suspending", "--name", "served", "--limit", "1"], SdkScenario.Env(server));
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
        // The replayed call is a task run of the re-run too: CACHED, no body run, naming the task run that answered it.
        var taskRuns = await client.ListTaskRunsAsync(run.Id);
        Assert.Equal([("announce", TaskRunStateType.Completed), ("count-stars", TaskRunStateType.Completed), ("count-stars", TaskRunStateType.Cached)],
            taskRuns.Select(t => (t.TaskName, t.State)).Order());
        var original = Assert.Single(taskRuns, t => t.State == TaskRunStateType.Completed && t.TaskName == "count-stars");
        var replayed = Assert.Single(taskRuns, t => t.State == TaskRunStateType.Cached);
        Assert.Equal($"replayed: the result of task run {original.Id}, completed before the run suspended", replayed.Message);
        Assert.Equal((0, false), (replayed.Attempts, replayed.HasResult));
        Assert.True(replayed.Created > original.Created, "the replayed task run is recorded by the re-run, after the original");
        Assert.Single(logs, l => l.TaskRunId == replayed.Id && l.Message.StartsWith($"Task 'count-stars' answered from task run {original.Id}", StringComparison.Ordinal));
        Assert.Equal(
            [(StateType.Running, null), (StateType.Paused, StateNames.Suspended), (StateType.Scheduled, StateNames.Resuming), (StateType.Running, null), (StateType.Completed, null)],
            (await client.GetFlowRunStatesAsync(run.Id)).SkipWhile(s => s.Type != StateType.Running).Where(s => s.Type != StateType.Pending)
                .Select(s => (s.Type, s.Name is StateNames.Suspended or StateNames.Resuming ? s.Name : null)).ToList());
    }

    [Fact]
    public async Task SuspendAsync_AfterASubflow_ResumeAnswersTheSubflowFromItsCompletedChildRunAndRunsANewCallAsANewChild()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await using var serving = ChildProcess.Start("dotnet", [RepoPaths.TestFlowsDll, "serve", "--flow", "suspend-after-subflow", "--name", "served"], SdkScenario.Env(server));
        await serving.WaitForLineAsync("is being served");
        var run = await client.CreateFlowRunAsync((await client.GetDeploymentByNameAsync("suspend-after-subflow/served")).Id, new FlowRunCreate());
        await client.WaitForStateAsync(run.Id, s => s.Name == StateNames.Suspended, "the run suspended");
        await client.LogsContainingAsync(run.Id, "Infrastructure exited with code 0; the run is PAUSED");
        var before = Assert.Single(await client.ListChildFlowRunsAsync(run.Id));
        Assert.Equal(("child-stats", StateType.Completed), (before.FlowName, before.State.Type));

        await client.ResumeFlowRunAsync(run.Id, new FlowRunResume(new JsonObject { ["approved"] = true, ["reviewer"] = "grace" }));

        var done = await client.WaitForTerminalAsync(run.Id);
        Assert.Equal(StateType.Completed, done.State.Type);
        Assert.Equal("bosun/bosun: 110 stars; grace/repo: 100 stars; approved by grace",
            (await client.GetFlowRunResultAsync(run.Id)).Value!.GetValue<string>());
        // The call made before the suspension did not run again: still one child for it, its body and task run once.
        var children = await client.ListChildFlowRunsAsync(run.Id);
        Assert.Equal(2, children.Count);
        Assert.All(children, c => Assert.Equal(("child-stats", StateType.Completed), (c.FlowName, c.State.Type)));
        Assert.Contains(children, c => c.Id == before.Id);
        var after = Assert.Single(children, c => c.Id != before.Id);
        Assert.Equal("grace/repo", (await client.GetFlowRunAsync(after.Id)).Parameters["repo"]!.GetValue<string>());
        Assert.Single(await client.LogsAsync(before.Id), l => l.Message == "child: counting bosun/bosun");
        Assert.Single(await client.ListTaskRunsAsync(before.Id));
        Assert.Equal(1, (await client.GetFlowRunAsync(before.Id)).RunCount);
        var logs = await client.LogsAsync(run.Id);
        Assert.Single(logs, l => l.Message.StartsWith("Subflow 'child-stats' answered from child run", StringComparison.Ordinal)
            && l.Message.Contains(before.Id.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task SuspendAsync_TwoTasksCallTheSameSubflow_ResumedCallerIsAnsweredFromItsOwnChildNotTheOtherTasks()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await using var serving = ChildProcess.Start("dotnet", [RepoPaths.TestFlowsDll, "serve", "--flow", "two-callers", "--name", "served"], SdkScenario.Env(server));
        await serving.WaitForLineAsync("is being served");
        var run = await client.CreateFlowRunAsync((await client.GetDeploymentByNameAsync("two-callers/served")).Id, new FlowRunCreate());
        await client.WaitForStateAsync(run.Id, s => s.Name == StateNames.Suspended, "the run suspended");
        await client.LogsContainingAsync(run.Id, "Infrastructure exited with code 0; the run is PAUSED");
        // Before the suspension: one child per calling task, the same flow and parameters, each linked to its caller.
        var before = await client.ListTaskRunsAsync(run.Id);
        var left = Assert.Single(before, t => t.TaskName == "left-caller");
        var right = Assert.Single(before, t => t.TaskName == "right-caller");
        Assert.Equal((TaskRunStateType.Completed, TaskRunStateType.Failed), (left.State, right.State));
        var children = await Task.WhenAll((await client.ListChildFlowRunsAsync(run.Id)).Select(c => client.GetFlowRunAsync(c.Id)));
        Assert.Equal(2, children.Length);
        Assert.All(children, c => Assert.Equal(("who-am-i", "same"), (c.FlowName, c.Parameters["label"]!.GetValue<string>())));
        var leftChild = Assert.Single(children, c => c.ParentTaskRunId == left.Id);
        var rightChild = Assert.Single(children, c => c.ParentTaskRunId == right.Id);
        // The left child is the older: matched by flow and parameters alone, the resumed right call would take it.
        Assert.True(leftChild.Created <= rightChild.Created, "the left task's child was created first");

        await client.ResumeFlowRunAsync(run.Id, new FlowRunResume(new JsonObject { ["approved"] = true, ["reviewer"] = "grace" }));

        var done = await client.WaitForTerminalAsync(run.Id);
        Assert.Equal(StateType.Completed, done.State.Type);
        Assert.Equal($"left got {leftChild.Id}; right got {rightChild.Id}, approved by grace", (await client.GetFlowRunResultAsync(run.Id)).Value!.GetValue<string>());
        // No new child, and no child's body ran again.
        Assert.Equal(children.Select(c => c.Id).Order(), (await client.ListChildFlowRunsAsync(run.Id)).Select(c => c.Id).Order());
        foreach (var child in children)
        {
            Assert.Single(await client.LogsAsync(child.Id), l => l.Message == "who-am-i body: same");
            Assert.Equal(1, (await client.GetFlowRunAsync(child.Id)).RunCount);
        }

        // The re-run's right-caller task run is the one answered from the right child, said in its own log line.
        var rerunRight = Assert.Single(await client.ListTaskRunsAsync(run.Id), t => t.TaskName == "right-caller" && t.Id != right.Id);
        Assert.Equal(TaskRunStateType.Completed, rerunRight.State);
        var answered = Assert.Single(await client.LogsAsync(run.Id), l => l.Message.StartsWith("Subflow 'who-am-i' answered from child run", StringComparison.Ordinal));
        Assert.Contains(rightChild.Id.ToString(), answered.Message, StringComparison.Ordinal);
        Assert.Equal(rerunRight.Id, answered.TaskRunId);
    }

    [Fact]
    public async Task SuspendAsync_RetriesOneResumedThenFailsOnce_ResumeUsesNoRetryAndTheRetryCompletes()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await using var serving = ChildProcess.Start("dotnet", [RepoPaths.TestFlowsDll, "serve", "--flow", "suspend-then-fail", "--name", "served"], SdkScenario.Env(server));
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
        await using var serving = ChildProcess.Start("dotnet", [RepoPaths.TestFlowsDll, "serve", "--flow", "suspend-in-task", "--name", "served"], SdkScenario.Env(server));
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
        await using var serving = ChildProcess.Start("dotnet", [RepoPaths.TestFlowsDll, "serve", "--flow", "suspending", "--name", "served"], SdkScenario.Env(server));
        await serving.WaitForLineAsync("is being served");
        var run = await client.CreateFlowRunAsync((await client.GetDeploymentByNameAsync("suspending/served")).Id, new FlowRunCreate());
        await client.WaitForStateAsync(run.Id, s => s.Name == StateNames.Suspended, "the run suspended");

        await ApiAssert.FailsAsync(System.Net.HttpStatusCode.UnprocessableEntity,
            () => client.ResumeFlowRunAsync(run.Id, new FlowRunResume(new JsonObject { ["approved"] = true })), "reviewer");

        Assert.Equal(StateNames.Suspended, (await client.GetFlowRunAsync(run.Id)).State.Name);
    }
}
