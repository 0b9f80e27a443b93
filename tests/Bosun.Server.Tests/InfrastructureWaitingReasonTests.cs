using System.Net;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Security;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;
using Microsoft.Extensions.Time.Testing;

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

        await client.SetFlowRunWaitingReasonAsync(run.Id, "pod p-1: Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.", claimed.WorkerName!);
        var pending = await client.GetFlowRunAsync(run.Id);
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Pending, StateNames.Submitting));
        var submitted = await client.GetFlowRunAsync(run.Id);
        await client.SetFlowRunWaitingReasonAsync(run.Id, "pod p-2: ErrImagePull: pull access denied", claimed.WorkerName!);
        var pulling = await client.GetFlowRunAsync(run.Id);
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        var refused = await Assert.ThrowsAsync<BosunApiException>(() => client.SetFlowRunWaitingReasonAsync(run.Id, "late", claimed.WorkerName!));

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

        var missing = await Assert.ThrowsAsync<BosunApiException>(() => server.Client.SetFlowRunWaitingReasonAsync(Guid.NewGuid(), "x", "w"));
        var tooLong = await Assert.ThrowsAsync<BosunApiException>(() => server.Client.SetFlowRunWaitingReasonAsync(Guid.NewGuid(), new string('x', 1001), "w"));

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooLong.StatusCode);
    }

    [Fact]
    public async Task SetWaitingReason_WorkerThatDoesNotHoldTheRun_ConflictUntilTheClaimantMissedTwoHeartbeatsThenItsAdopterIsHeard()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var server = await TestServer.StartAsync(clock, options => options.ServiceInterval = TimeSpan.FromDays(1));
        var client = server.Client;
        await client.PoolAsync("p");
        var run = await client.RunAsync(await client.DeploymentAsync("p"));
        await client.ClaimFlowRunsAsync("p", new ClaimRequest("holder", 1, HeartbeatIntervalSeconds: 10));
        await client.SendWorkerHeartbeatAsync("p", new WorkerHeartbeat("adopter", HeartbeatIntervalSeconds: 10));

        var whileHeld = await ApiAssert.FailsAsync(HttpStatusCode.Conflict,
            () => client.SetFlowRunWaitingReasonAsync(run.Id, "pod x: Unschedulable", "adopter"), "held by worker 'holder', not 'adopter'");
        // The holder missed two heartbeats (its Jobs are adopted then); the adopter is alive and heard.
        clock.Advance(TimeSpan.FromSeconds(21));
        await client.SendWorkerHeartbeatAsync("p", new WorkerHeartbeat("adopter", HeartbeatIntervalSeconds: 10));
        await ApiAssert.FailsAsync(HttpStatusCode.Conflict, () => client.SetFlowRunWaitingReasonAsync(run.Id, "from nowhere", "not-a-worker-of-p"), "held by worker 'holder'");
        await client.SetFlowRunWaitingReasonAsync(run.Id, "pod x: Unschedulable", "adopter");
        var adopted = await client.GetFlowRunAsync(run.Id);
        var missing = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.SetFlowRunWaitingReasonAsync(run.Id, "x", " "), "worker_name");

        Assert.Contains("held by worker 'holder'", whileHeld.Message, StringComparison.Ordinal);
        Assert.EndsWith("which is starting its infrastructure: pod x: Unschedulable", adopted.WaitingReason, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.StatusCode);
    }

    [Fact]
    public async Task SetWaitingReason_WorkerKeyOfAnotherPool_Forbidden()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = server.NewClient((await server.Client.CreateApiKeyAsync(new ApiKeyCreate("root", ApiKeyRole.Admin))).Key);
        await admin.PoolAsync("a");
        await admin.PoolAsync("b");
        var run = await admin.RunAsync(await admin.DeploymentAsync("a"));
        using var workerA = server.NewClient((await admin.CreateApiKeyAsync(new ApiKeyCreate("worker-a", ApiKeyRole.Worker) { Pools = ["a"] })).Key);
        using var workerB = server.NewClient((await admin.CreateApiKeyAsync(new ApiKeyCreate("worker-b", ApiKeyRole.Worker) { Pools = ["b"] })).Key);
        var claimed = Assert.Single((await workerA.ClaimAsync("a", worker: "wa")).Runs).FlowRun;

        var refused = await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => workerB.SetFlowRunWaitingReasonAsync(run.Id, "pod x: Unschedulable", "wa"), "work pool 'a'");
        await workerA.SetFlowRunWaitingReasonAsync(run.Id, "pod y: ErrImagePull", "wa");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(run.Id, claimed.Id);
        Assert.EndsWith("pod y: ErrImagePull", (await admin.GetFlowRunAsync(run.Id)).WaitingReason, StringComparison.Ordinal);
    }
}
