using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Cli.Tests;

/// <summary>`bosun flow-run ...` against a real server.</summary>
public sealed class FlowRunCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly CliRunner _cli = fixture.NewCli();

    public void Dispose() => _cli.Dispose();

    private async Task<Deployment> DeploymentAsync()
    {
        var pool = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(pool);
        return await fixture.Client.DeploymentAsync(pool, flow: ServerFixture.Unique("flow"));
    }

    private async Task<FlowRun> RunningRunAsync(Deployment deployment)
    {
        var run = await fixture.Client.RunAsync(deployment);
        Assert.Single((await fixture.Client.ClaimAsync(deployment.WorkPoolName!)).Runs);
        Assert.Equal(SetStateStatus.Accept, (await fixture.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running))).Status);
        return run;
    }

    private Task WriteLogsAsync(Guid runId, params string[] messages) =>
        fixture.Client.WriteLogsAsync(messages.Select(message => new LogCreate(runId, TimeProvider.System.GetUtcNow(), RunLogLevel.Info, message)).ToList());

    [Fact]
    public async Task Ls_Filters_OnlyMatchingRunsNewestFirst()
    {
        var deployment = await DeploymentAsync();
        var other = await DeploymentAsync();
        var now = TimeProvider.System.GetUtcNow();
        var first = await fixture.Client.RunAsync(deployment, now.AddMinutes(1));
        var second = await fixture.Client.RunAsync(deployment, now.AddMinutes(2));
        await fixture.Client.RunAsync(other);

        var byDeployment = (await _cli.RunAsync("flow-run", "ls", "--deployment", deployment.FullName, "--output", "json")).Json();
        var byPool = (await _cli.RunAsync("flow-run", "ls", "--pool", deployment.WorkPoolName!, "--limit", "1", "--output", "json")).Json();
        var byFlowAndState = (await _cli.RunAsync("flow-run", "ls", "--flow", deployment.FlowName, "--state", "running,completed", "-o", "json")).Json();

        Assert.Equal([second.Id, first.Id], byDeployment.EnumerateArray().Select(run => run.GetProperty("id").GetGuid()));
        Assert.Equal(second.Id, Assert.Single(byPool.EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Equal(0, byFlowAndState.GetArrayLength());
        Assert.Equal("SCHEDULED", byDeployment[0].GetProperty("state").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Ls_MoreRunsThanTheServerCounts_SaysMoreThanTheLimit()
    {
        await using var server = await TestServer.StartAsync(configure: options => options.ListCountLimit = 2);
        using var cli = new CliRunner(server.ApiUrl);
        await server.Client.PoolAsync("p");
        var deployment = await server.Client.DeploymentAsync("p");
        for (var i = 0; i < 4; i++)
        {
            await server.Client.RunAsync(deployment);
        }

        var counted = (await cli.RunAsync("flow-run", "ls", "--limit", "1")).Succeeded();

        Assert.Contains("Showing the newest 1 of more than 2 runs", counted.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ls_Table_ShowsNameStateAndRelativeStart()
    {
        var deployment = await DeploymentAsync();
        var run = await fixture.Client.RunAsync(deployment, TimeProvider.System.GetUtcNow().AddMinutes(5));

        var result = (await _cli.RunAsync("flow-run", "ls", "--deployment", deployment.FullName)).Succeeded();

        var row = result.Out.Split('\n').Single(line => line.Contains(run.Id.ToString(), StringComparison.Ordinal));
        Assert.Contains(run.Name, row, StringComparison.Ordinal);
        Assert.Contains("Scheduled", row, StringComparison.Ordinal);
        Assert.Contains("in 5 minutes", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ls_UnknownState_FailsListingStates()
    {
        (await _cli.RunAsync("flow-run", "ls", "--state", "DONE")).FailedWith("'DONE'", "COMPLETED");
    }

    [Fact]
    public async Task Ls_LimitOutOfRange_Fails()
    {
        (await _cli.RunAsync("flow-run", "ls", "--limit", "0")).FailedWith("--limit");
    }

    [Fact]
    public async Task Inspect_ByIdJson_IsTheRunWithWaitingReason()
    {
        var deployment = await DeploymentAsync();
        var run = await fixture.Client.RunAsync(deployment);

        var json = (await _cli.RunAsync("flow-run", "inspect", run.Id.ToString(), "--output", "json")).Json();

        Assert.Equal((run.Id, run.Name), (json.GetProperty("id").GetGuid(), json.GetProperty("name").GetString()));
        Assert.Contains("no worker online", json.GetProperty("waiting_reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_ByName_ShowsTheRun()
    {
        var deployment = await DeploymentAsync();
        var name = ServerFixture.Unique("run");
        var run = await fixture.Client.RunAsync(deployment, name: name);

        var result = (await _cli.RunAsync("flow-run", "inspect", name)).Succeeded();

        Assert.Contains(run.Id.ToString(), result.Out, StringComparison.Ordinal);
        Assert.Contains("Scheduled", result.Out, StringComparison.Ordinal);
        Assert.Contains(deployment.FullName, result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_UnknownId_FailsWithApiDetail()
    {
        var id = Guid.NewGuid();

        (await _cli.RunAsync("flow-run", "inspect", id.ToString())).FailedWith($"Flow run {id} does not exist", "bosun flow-run ls");
    }

    [Fact]
    public async Task Inspect_UnknownName_Fails()
    {
        (await _cli.RunAsync("flow-run", "inspect", "no-such-run")).FailedWith("'no-such-run'", "bosun flow-run ls");
    }

    [Fact]
    public async Task Logs_HeadAndTail_PrintTheRightLines()
    {
        var run = await fixture.Client.RunAsync(await DeploymentAsync());
        await WriteLogsAsync(run.Id, "line 1", "line 2", "line 3", "line 4");

        var all = (await _cli.RunAsync("flow-run", "logs", run.Id.ToString())).Succeeded();
        var head = (await _cli.RunAsync("flow-run", "logs", run.Id.ToString(), "--head", "1")).Succeeded();
        var tail = (await _cli.RunAsync("flow-run", "logs", run.Name, "--tail", "2")).Succeeded();

        Assert.Equal(["line 1", "line 2", "line 3", "line 4"], Messages(all.Out));
        Assert.Equal(["line 1"], Messages(head.Out));
        Assert.Equal(["line 3", "line 4"], Messages(tail.Out));
        Assert.Contains("INFO", all.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_NoLines_SaysSoOnStderrExitZero()
    {
        var run = await fixture.Client.RunAsync(await DeploymentAsync());

        var result = await _cli.RunAsync("flow-run", "logs", run.Id.ToString());

        Assert.Equal((0, ""), (result.ExitCode, result.Out));
        Assert.Contains("no logs yet", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_HeadWithFollow_Fails()
    {
        (await _cli.RunAsync("flow-run", "logs", Guid.NewGuid().ToString(), "--head", "3", "--follow")).FailedWith("--head");
    }

    [Fact]
    public async Task Logs_Follow_PrintsLinesUntilRunEnds()
    {
        var deployment = await DeploymentAsync();
        var run = await RunningRunAsync(deployment);
        await WriteLogsAsync(run.Id, "before follow");

        var following = _cli.Start("flow-run", "logs", run.Id.ToString(), "--follow");
        await following.PrintedAsync("before follow");
        await WriteLogsAsync(run.Id, "while following");
        await following.PrintedAsync("while following");
        await fixture.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Completed));
        var result = (await following.Completion).Succeeded();

        Assert.Equal(["before follow", "while following"], Messages(result.Out));
    }

    [Fact]
    public async Task Cancel_ScheduledRun_CancelledAtOnce()
    {
        var run = await fixture.Client.RunAsync(await DeploymentAsync());

        var result = (await _cli.RunAsync("flow-run", "cancel", run.Id.ToString())).Succeeded();

        Assert.Contains($"Cancelled flow run '{run.Name}'", result.Out, StringComparison.Ordinal);
        Assert.Equal(StateType.Cancelled, (await fixture.Client.GetFlowRunAsync(run.Id)).State.Type);
    }

    [Fact]
    public async Task Cancel_RunningRun_Cancelling()
    {
        var run = await RunningRunAsync(await DeploymentAsync());

        var result = (await _cli.RunAsync("flow-run", "cancel", run.Id.ToString())).Succeeded();

        Assert.Contains("its worker is stopping it", result.Out, StringComparison.Ordinal);
        Assert.Equal(StateType.Cancelling, (await fixture.Client.GetFlowRunAsync(run.Id)).State.Type);
    }

    [Fact]
    public async Task Cancel_CompletedRun_FailsWithReason()
    {
        var deployment = await DeploymentAsync();
        var run = await RunningRunAsync(deployment);
        await fixture.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Completed));

        (await _cli.RunAsync("flow-run", "cancel", run.Id.ToString())).FailedWith("was not cancelled", "terminal");
    }

    [Fact]
    public async Task Retry_FailedRun_ScheduledAgain()
    {
        var run = await RunningRunAsync(await DeploymentAsync());
        await fixture.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Failed));

        (await _cli.RunAsync("flow-run", "retry", run.Id.ToString())).Succeeded();

        var retried = await fixture.Client.GetFlowRunAsync(run.Id);
        Assert.Equal(StateType.Scheduled, retried.State.Type);
        Assert.Equal("retried from the CLI", retried.State.Message);
    }

    [Fact]
    public async Task Retry_RunningRun_FailsAndLeavesItRunning()
    {
        var run = await RunningRunAsync(await DeploymentAsync());

        (await _cli.RunAsync("flow-run", "retry", run.Id.ToString())).FailedWith("is Running", "only a finished run");

        Assert.Equal(StateType.Running, (await fixture.Client.GetFlowRunAsync(run.Id)).State.Type);
    }

    [Fact]
    public async Task Delete_Run_Gone()
    {
        var run = await fixture.Client.RunAsync(await DeploymentAsync());

        (await _cli.RunAsync("flow-run", "delete", run.Id.ToString())).Succeeded();

        (await _cli.RunAsync("flow-run", "inspect", run.Id.ToString())).FailedWith("does not exist");
    }

    [Fact]
    public async Task Watch_RunCompletes_StateChangesAndExitZero()
    {
        var deployment = await DeploymentAsync();
        var run = await fixture.Client.RunAsync(deployment);

        var watching = _cli.Start("flow-run", "watch", run.Id.ToString(), "--logs");
        await watching.PrintedAsync(" Scheduled");
        await fixture.Client.ClaimAsync(deployment.WorkPoolName!);
        await fixture.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        await WriteLogsAsync(run.Id, "working");
        await fixture.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Completed));
        var result = (await watching.Completion).Succeeded();

        Assert.Contains(" Running", result.Out, StringComparison.Ordinal);
        Assert.Contains(" Completed", result.Out, StringComparison.Ordinal);
        Assert.Contains("working", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_RunCrashes_ExitOne()
    {
        var run = await RunningRunAsync(await DeploymentAsync());

        var watching = _cli.Start("flow-run", "watch", run.Id.ToString());
        await watching.PrintedAsync(" Running");
        await fixture.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Crashed, Message: "exit code 137 (killed)"));

        (await watching.Completion).FailedWith("ended Crashed: exit code 137 (killed)");
    }

    [Fact]
    public async Task Watch_WaitingRun_PrintsWhyItWaits()
    {
        var deployment = await DeploymentAsync();
        var run = await fixture.Client.RunAsync(deployment);

        var watching = _cli.Start("flow-run", "watch", run.Id.ToString());
        await watching.PrintedAsync($"Waiting: no worker online for pool '{deployment.WorkPoolName}'");
        await fixture.Client.CancelFlowRunAsync(run.Id);

        (await watching.Completion).FailedWith("ended Cancelled");
    }

    private static List<string> Messages(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split("INFO", 2)[1].Trim()).ToList();
}
