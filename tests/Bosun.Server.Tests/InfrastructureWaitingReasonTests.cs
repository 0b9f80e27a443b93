using System.Net;
using Bosun.Client;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>A worker's word on what holds a claimed run's infrastructure up (a pod that cannot be scheduled) is the run's waiting reason while it is PENDING.</summary>
public sealed class InfrastructureWaitingReasonTests
{
    [Fact]
    public async Task SetWaitingReason_PendingRun_InTheWaitingReasonUntilTheRunMovesOnThenRefused()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var run = await client.RunAsync(deployment);
        var claimed = Assert.Single((await client.ClaimAsync("p", max: 1)).Runs).FlowRun;

        await client.SetFlowRunWaitingReasonAsync(run.Id, "pod p-1: Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.");
        var pending = await client.GetFlowRunAsync(run.Id);
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Pending, StateNames.Submitting));
        var submitted = await client.GetFlowRunAsync(run.Id);
        await client.SetFlowRunWaitingReasonAsync(run.Id, "pod p-2: ErrImagePull: pull access denied");
        var pulling = await client.GetFlowRunAsync(run.Id);
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        var refused = await Assert.ThrowsAsync<BosunApiException>(() => client.SetFlowRunWaitingReasonAsync(run.Id, "late"));

        Assert.Equal($"claimed by worker '{claimed.WorkerName}', which is starting its infrastructure: pod p-1: Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.",
            pending.WaitingReason);
        // Every state change clears it: a reason is about the infrastructure being started now.
        Assert.Equal($"claimed by worker '{claimed.WorkerName}', which is starting its infrastructure", submitted.WaitingReason);
        Assert.EndsWith("which is starting its infrastructure: pod p-2: ErrImagePull: pull access denied", pulling.WaitingReason, StringComparison.Ordinal);
        Assert.Null((await client.GetFlowRunAsync(run.Id)).WaitingReason);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("is RUNNING", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetWaitingReason_UnknownRunOrTooLong_ProblemNotFoundOrValidation()
    {
        await using var server = await TestServer.StartAsync();

        var missing = await Assert.ThrowsAsync<BosunApiException>(() => server.Client.SetFlowRunWaitingReasonAsync(Guid.NewGuid(), "x"));
        var tooLong = await Assert.ThrowsAsync<BosunApiException>(() => server.Client.SetFlowRunWaitingReasonAsync(Guid.NewGuid(), new string('x', 1001)));

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooLong.StatusCode);
    }
}
