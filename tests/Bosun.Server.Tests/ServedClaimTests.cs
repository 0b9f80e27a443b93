using System.Net;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>The claim of a serving process: its own pool-less deployments only, limits respected, long-poll.</summary>
public sealed class ServedClaimTests
{
    [Fact]
    public async Task ClaimServed_OwnDeploymentsOnly_MarksThemReady()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var mine = await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "mine"));
        var other = await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "other"));
        var run = await client.CreateFlowRunAsync(mine.Id, new FlowRunCreate());
        await client.CreateFlowRunAsync(other.Id, new FlowRunCreate());

        var claim = await client.ClaimServedFlowRunsAsync(new ServedClaimRequest("serve-1", [mine.Id], 10));

        var claimed = Assert.Single(claim.Runs);
        Assert.Equal(run.Id, claimed.FlowRun.Id);
        Assert.Equal((StateType.Pending, "serve-1"), (claimed.FlowRun.State.Type, claimed.FlowRun.WorkerName));
        Assert.Equal(ReadinessStatus.Ready, (await client.GetDeploymentAsync(mine.Id)).Status);
        Assert.Equal(ReadinessStatus.NotReady, (await client.GetDeploymentAsync(other.Id)).Status);
    }

    [Fact]
    public async Task ClaimServed_DeploymentLimit_Respected()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "limited", ConcurrencyLimit: 1));
        await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());

        Assert.Single((await client.ClaimServedFlowRunsAsync(new ServedClaimRequest("s", [deployment.Id], 10))).Runs);
        Assert.Empty((await client.ClaimServedFlowRunsAsync(new ServedClaimRequest("s", [deployment.Id], 10))).Runs);
    }

    [Fact]
    public async Task ClaimServed_LongPoll_WakesOnNewRun()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "served"));
        using var other = server.NewClient();

        var waiting = other.ClaimServedFlowRunsAsync(new ServedClaimRequest("s", [deployment.Id], 1, WaitSeconds: 30));
        await Eventually.WaitUntilAsync(async () => (await client.GetDeploymentAsync(deployment.Id)).LastPolled is not null, "the serving claim polled");
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());

        Assert.Equal(run.Id, Assert.Single((await waiting).Runs).FlowRun.Id);
    }

    [Fact]
    public async Task ClaimServed_PoolDeployment_422()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var deployment = await server.Client.DeploymentAsync("p");

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => server.Client.ClaimServedFlowRunsAsync(new ServedClaimRequest("s", [deployment.Id])), "work pool");
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound,
            () => server.Client.ClaimServedFlowRunsAsync(new ServedClaimRequest("s", [Guid.NewGuid()])), "does not exist");
    }

    [Fact]
    public async Task Deployment_Retries_CopiedOntoRuns()
    {
        await using var server = await TestServer.StartAsync();
        var deployment = await server.Client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d", Retries: 2, RetryDelaySeconds: 5));

        var inherited = await server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var own = await server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(Retries: 0));

        Assert.Equal((2, 5), (inherited.Retries, inherited.RetryDelaySeconds));
        Assert.Equal(0, own.Retries);
    }
}
