using System.Net;
using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>Child runs through the API: subflows recorded by a running parent, deployment runs started by one, the link both ways, and cancellation.</summary>
public sealed class SubflowApiTests
{
    [Fact]
    public async Task CreateSubflowRun_RunningParent_ChildPendingLinkedAndListedUnderTheParent()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var parent = await RunningParentAsync(client);
        var taskRun = Guid.NewGuid();

        var child = await client.CreateSubflowRunAsync(parent.Id, new SubflowRunCreate("child-stats", new JsonObject { ["repo"] = "bosun/bosun" }, taskRun));

        Assert.Equal((StateType.Pending, "child-stats", parent.Id, taskRun), (child.State.Type, child.FlowName, child.ParentFlowRunId, child.ParentTaskRunId));
        Assert.Equal("bosun/bosun", child.Parameters["repo"]!.GetValue<string>());
        Assert.Null(child.DeploymentId);
        Assert.NotNull(child.LastHeartbeat);
        // The child reports its own states, as a flow-run process does.
        Assert.Equal(SetStateStatus.Accept, (await client.SetFlowRunStateAsync(child.Id, new StateProposal(StateType.Running))).Status);
        Assert.Equal(SetStateStatus.Accept, (await client.SetFlowRunStateAsync(child.Id, new StateProposal(StateType.Completed))).Status);

        var children = await client.ListFlowRunsAsync(new FlowRunFilter(ParentFlowRunId: parent.Id));
        var listed = Assert.Single(children.Items);
        Assert.Equal((child.Id, parent.Id, StateType.Completed), (listed.Id, listed.ParentFlowRunId, listed.State.Type));
        Assert.Empty((await client.ListFlowRunsAsync(new FlowRunFilter(ParentFlowRunId: child.Id))).Items);
        Assert.Contains("child-stats", (await client.ListFlowsAsync()).Items.Select(f => f.Name));
    }

    [Fact]
    public async Task CreateSubflowRun_UnknownOrEndedParentOrBadName_ProblemSayingWhy()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var parent = await RunningParentAsync(client);
        var missing = Guid.NewGuid();

        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => client.CreateSubflowRunAsync(missing, new SubflowRunCreate("child")), missing.ToString());
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CreateSubflowRunAsync(parent.Id, new SubflowRunCreate("a/b")), "forbidden character");
        await client.SetFlowRunStateAsync(parent.Id, new StateProposal(StateType.Completed));
        await ApiAssert.FailsAsync(HttpStatusCode.Conflict, () => client.CreateSubflowRunAsync(parent.Id, new SubflowRunCreate("child")), "COMPLETED");
    }

    [Fact]
    public async Task CreateFlowRun_WithParent_LinkedAndUnknownParent422()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var parent = await RunningParentAsync(client);
        var other = await client.DeploymentAsync("p", name: "other", flow: "other-flow");

        var child = await client.CreateFlowRunAsync(other.Id, new FlowRunCreate(ParentFlowRunId: parent.Id));

        Assert.Equal(parent.Id, (await client.GetFlowRunAsync(child.Id)).ParentFlowRunId);
        Assert.Equal([child.Id], (await client.ListFlowRunsAsync(new FlowRunFilter(ParentFlowRunId: parent.Id))).Items.Select(r => r.Id));
        var missing = Guid.NewGuid();
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CreateFlowRunAsync(other.Id, new FlowRunCreate(ParentFlowRunId: missing)), missing.ToString());
    }

    [Fact]
    public async Task CancelFlowRun_ParentWithChildren_UnfinishedChildrenAndTheirChildrenCancelled()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var parent = await RunningParentAsync(client);
        var other = await client.DeploymentAsync("p", name: "other", flow: "other-flow");
        var subflow = await client.CreateSubflowRunAsync(parent.Id, new SubflowRunCreate("child"));
        await client.SetFlowRunStateAsync(subflow.Id, new StateProposal(StateType.Running));
        var grandchild = await client.CreateSubflowRunAsync(subflow.Id, new SubflowRunCreate("grandchild"));
        var scheduled = await client.CreateFlowRunAsync(other.Id, new FlowRunCreate(ScheduledStartTime: new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero), ParentFlowRunId: parent.Id));
        var finished = await client.CreateSubflowRunAsync(parent.Id, new SubflowRunCreate("done"));
        await client.SetFlowRunStateAsync(finished.Id, new StateProposal(StateType.Running));
        await client.SetFlowRunStateAsync(finished.Id, new StateProposal(StateType.Completed));

        await client.CancelFlowRunAsync(parent.Id);

        Assert.Equal(StateType.Cancelling, (await client.GetFlowRunAsync(parent.Id)).State.Type);
        var running = await client.GetFlowRunAsync(subflow.Id);
        Assert.Equal(StateType.Cancelling, running.State.Type);
        Assert.Contains(parent.Id.ToString(), running.State.Message, StringComparison.Ordinal);
        Assert.Equal(StateType.Cancelling, (await client.GetFlowRunAsync(grandchild.Id)).State.Type);
        Assert.Equal(StateType.Cancelled, (await client.GetFlowRunAsync(scheduled.Id)).State.Type);
        Assert.Equal(StateType.Completed, (await client.GetFlowRunAsync(finished.Id)).State.Type);
    }

    private static async Task<FlowRun> RunningParentAsync(Bosun.Client.BosunClient client)
    {
        await client.PoolAsync("p");
        var run = await client.RunAsync(await client.DeploymentAsync("p"));
        await client.ClaimAsync("p");
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        return run;
    }
}
