using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Server.Orchestration;
using Bosun.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Server.Tests;

/// <summary>
/// Start timeouts through the real server and store on a fake clock (docs/operations.md): a run not RUNNING within its
/// start timeout of its scheduled time is failed, cancelled or left Late as its deployment (or the run) says, once per
/// attempt, with the waiting reason it had in its state message and log.
/// </summary>
public sealed class StartTimeoutTests
{
    private static async Task<(TestServer Server, FakeTimeProvider Clock, Deployment Deployment)> StartAsync(int? startTimeoutSeconds, StartTimeoutAction? action = null)
    {
        // Whole seconds: times come back from the store in milliseconds.
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds()));
        var server = await TestServer.StartAsync(clock, options => options.ServiceInterval = TimeSpan.FromDays(1));
        await server.Client.PoolAsync("p");
        var deployment = await server.Client.UpsertDeploymentAsync(new DeploymentUpsert("flow", "dep", Entrypoint: "test", WorkPoolName: "p")
        {
            StartTimeoutSeconds = startTimeoutSeconds,
            StartTimeoutAction = action,
        });
        return (server, clock, deployment);
    }

    private static Task<int> SweepAsync(TestServer server) =>
        server.HostedService<StartTimeoutService>().SweepAsync(CancellationToken.None);

    [Fact]
    public async Task Scheduled_PastDeploymentStartTimeout_FailedStartTimedOutWithWaitingReason()
    {
        var (server, clock, deployment) = await StartAsync(60);
        await using var _ = server;
        var client = server.Client;
        Assert.Equal((60, StartTimeoutAction.Fail), (deployment.StartTimeoutSeconds, deployment.StartTimeoutAction));
        var run = await client.RunAsync(deployment);
        Assert.Equal((60, StartTimeoutAction.Fail), (run.StartTimeoutSeconds, run.StartTimeoutAction));

        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(0, await SweepAsync(server));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await SweepAsync(server));

        var failed = await client.GetFlowRunAsync(run.Id);
        Assert.Equal((StateType.Failed, StateNames.StartTimedOut), (failed.State.Type, failed.State.Name));
        Assert.Contains("start timeout of 60 s", failed.State.Message, StringComparison.Ordinal);
        Assert.Contains("it was waiting: no worker online for pool 'p'", failed.State.Message, StringComparison.Ordinal);
        Assert.Contains(await client.AllLogsAsync(run.Id), line => line.Message.Contains("start timeout of 60 s", StringComparison.Ordinal)
            && line.Message.Contains("no worker online", StringComparison.Ordinal));
        Assert.Equal(["Scheduled", "StartTimedOut"], (await client.GetFlowRunStatesAsync(run.Id)).Select(state => state.Name).ToList());
        Assert.Equal(0, await SweepAsync(server));
    }

    [Fact]
    public async Task Scheduled_RunOverrideCancel_RunCancelledOtherRunsUntouched()
    {
        var (server, clock, deployment) = await StartAsync(3600);
        await using var _ = server;
        var client = server.Client;
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate { StartTimeoutSeconds = 10, StartTimeoutAction = StartTimeoutAction.Cancel });
        var other = await client.RunAsync(deployment);
        var untimed = await client.RunAsync(await client.UpsertDeploymentAsync(new DeploymentUpsert("flow", "untimed", Entrypoint: "test", WorkPoolName: "p")));
        await client.PauseWorkPoolAsync("p");

        clock.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(1, await SweepAsync(server));

        var cancelled = await client.GetFlowRunAsync(run.Id);
        Assert.Equal((StateType.Cancelled, StateNames.StartTimedOut), (cancelled.State.Type, cancelled.State.Name));
        Assert.Contains("start timeout of 10 s", cancelled.State.Message, StringComparison.Ordinal);
        Assert.Contains("it was waiting: pool 'p' is paused", cancelled.State.Message, StringComparison.Ordinal);
        Assert.Equal(StateType.Scheduled, (await client.GetFlowRunAsync(other.Id)).State.Type);
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(1, await SweepAsync(server));
        Assert.Equal(StateType.Failed, (await client.GetFlowRunAsync(other.Id)).State.Type);
        Assert.Equal(StateType.Scheduled, (await client.GetFlowRunAsync(untimed.Id)).State.Type);
    }

    [Fact]
    public async Task Late_LeaveLate_LeftLateOnceAndStillClaimable()
    {
        var (server, clock, deployment) = await StartAsync(30, StartTimeoutAction.LeaveLate);
        await using var _ = server;
        var client = server.Client;
        var run = await client.RunAsync(deployment);

        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, await SweepAsync(server));
        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(0, await SweepAsync(server));

        var late = await client.GetFlowRunAsync(run.Id);
        Assert.Equal((StateType.Scheduled, StateNames.Late), (late.State.Type, late.State.Name));
        Assert.StartsWith("left late: not RUNNING within its start timeout of 30 s", late.State.Message, StringComparison.Ordinal);
        Assert.Contains("start timeout of 30 s has passed, and it is left waiting", late.WaitingReason, StringComparison.Ordinal);
        Assert.Single(await client.AllLogsAsync(run.Id), line => line.Message.Contains("start_timeout_action LEAVE_LATE", StringComparison.Ordinal));
        Assert.Equal(["Scheduled", "Late"], (await client.GetFlowRunStatesAsync(run.Id)).Select(state => state.Name).ToList());
        Assert.Equal(run.Id, Assert.Single((await client.ClaimAsync("p")).Runs).FlowRun.Id);
    }

    [Theory]
    [InlineData(StartTimeoutAction.Fail, StateType.Failed)]
    [InlineData(StartTimeoutAction.Cancel, StateType.Cancelled)]
    public async Task Pending_PastStartTimeout_InfrastructureStoppedThenEndsAsTheActionSays(StartTimeoutAction action, StateType ends)
    {
        var (server, clock, deployment) = await StartAsync(20, action);
        await using var _ = server;
        var client = server.Client;
        var run = await client.RunAsync(deployment);
        Assert.Single((await client.ClaimAsync("p")).Runs);
        await client.SetFlowRunInfrastructureAsync(run.Id, "4242");

        clock.Advance(TimeSpan.FromSeconds(21));
        Assert.Equal(1, await SweepAsync(server));

        var stopping = await client.GetFlowRunAsync(run.Id);
        Assert.Equal((StateType.Cancelling, StateNames.StartTimingOut), (stopping.State.Type, stopping.State.Name));
        Assert.Contains("it was waiting: claimed by worker 'w1', which is starting its infrastructure", stopping.State.Message, StringComparison.Ordinal);
        // The worker reports the stopped infrastructure as it would any cancellation.
        Assert.Equal(SetStateStatus.Reject, (await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Cancelled, Message: "infrastructure stopped"))).Status);
        var final = await client.GetFlowRunAsync(run.Id);
        Assert.Equal((ends, StateNames.StartTimedOut), (final.State.Type, final.State.Name));
        Assert.Equal(["Scheduled", "Pending", "StartTimingOut", "StartTimedOut"], (await client.GetFlowRunStatesAsync(run.Id)).Select(state => state.Name).ToList());
    }

    [Fact]
    public async Task Update_StartTimeoutSetAndCleared_NewRunsCarryIt()
    {
        var (server, _, deployment) = await StartAsync(null);
        await using var __ = server;
        var client = server.Client;

        var updated = await client.UpdateDeploymentAsync(deployment.Id, new DeploymentUpdate { StartTimeoutSeconds = 45, StartTimeoutAction = StartTimeoutAction.Cancel });
        Assert.Equal((45, StartTimeoutAction.Cancel), (updated.StartTimeoutSeconds, updated.StartTimeoutAction));
        Assert.Equal((45, StartTimeoutAction.Cancel), ((await client.RunAsync(deployment)).StartTimeoutSeconds, (await client.GetDeploymentAsync(deployment.Id)).StartTimeoutAction));
        var cleared = await client.UpdateDeploymentAsync(deployment.Id, new DeploymentUpdate(Clear: ["start_timeout_seconds"]));
        Assert.Null(cleared.StartTimeoutSeconds);
        Assert.Null((await client.RunAsync(deployment)).StartTimeoutSeconds);

        var refused = await Assert.ThrowsAsync<BosunApiException>(() => client.UpdateDeploymentAsync(deployment.Id, new DeploymentUpdate { StartTimeoutSeconds = 0 }));
        Assert.Contains("start_timeout_seconds", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<BosunApiException>(() => client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate { StartTimeoutSeconds = -1 }));
    }
}
