using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Server.Orchestration;
using Bosun.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Server.Tests;

/// <summary>
/// A deployment's run policies through the real server and store on a fake clock (docs/operations.md): timeouts end a
/// run FAILED "TimedOut" by way of a cancellation, crash retries schedule a CRASHED run again on fresh infrastructure,
/// and a run awaiting its own retry whose process died is crashed rather than forgotten.
/// </summary>
public sealed class RunPolicyTests
{
    private static readonly Action<BosunServerOptions> NoBackgroundSweeps = options => options.ServiceInterval = TimeSpan.FromDays(1);

    private static Task<int> SweepAsync<TService>(TestServer server) where TService : PeriodicStoreService =>
        server.HostedService<TService>().SweepAsync(CancellationToken.None);

    private static async Task<(TestServer Server, FakeTimeProvider Clock, Deployment Deployment)> StartAsync(
        int? timeoutSeconds = null, int crashRetries = 0, int retries = 0)
    {
        // Whole seconds: times come back from the store in milliseconds.
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds()));
        var server = await TestServer.StartAsync(clock, NoBackgroundSweeps);
        await server.Client.PoolAsync("p");
        var deployment = await server.Client.UpsertDeploymentAsync(new DeploymentUpsert("flow", "dep", Entrypoint: "test", WorkPoolName: "p",
            Retries: retries, TimeoutSeconds: timeoutSeconds, CrashRetries: crashRetries, CrashRetryDelaySeconds: 5));
        return (server, clock, deployment);
    }

    /// <summary>Claims <paramref name="runId"/> (the only due run), records its infrastructure and moves it to RUNNING.</summary>
    private static async Task StartAsync(BosunClient client, Guid runId, string infrastructure)
    {
        var claimed = Assert.Single((await client.ClaimAsync("p")).Runs);
        Assert.Equal(runId, claimed.FlowRun.Id);
        await client.SetFlowRunInfrastructureAsync(runId, infrastructure);
        Assert.Equal(SetStateStatus.Accept, (await client.SetFlowRunStateAsync(runId, new StateProposal(StateType.Running))).Status);
    }

    [Fact]
    public async Task Running_PastDeploymentTimeout_TimingOutThenFailedTimedOut()
    {
        var (server, clock, deployment) = await StartAsync(timeoutSeconds: 30);
        await using var _ = server;
        var client = server.Client;
        var run = await client.RunAsync(deployment);
        await StartAsync(client, run.Id, "4242");

        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, await SweepAsync<RunTimeoutService>(server));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await SweepAsync<RunTimeoutService>(server));

        var stopping = await client.GetFlowRunAsync(run.Id);
        Assert.Equal((StateType.Cancelling, StateNames.TimingOut), (stopping.State.Type, stopping.State.Name));
        Assert.Contains("timeout of 30 s", stopping.State.Message, StringComparison.Ordinal);
        Assert.Contains((await client.AllLogsAsync(run.Id)), line => line.Message.Contains("timeout of 30 s", StringComparison.Ordinal));
        // The worker reports the stopped infrastructure as it would any cancellation.
        var ended = await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Cancelled, Message: "infrastructure stopped"));
        Assert.Equal(SetStateStatus.Reject, ended.Status);
        var final = await client.GetFlowRunAsync(run.Id);
        Assert.Equal((StateType.Failed, StateNames.TimedOut), (final.State.Type, final.State.Name));
        Assert.Contains("timed out: RUNNING longer than its timeout of 30 s", final.State.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Running_RunTimeoutShorterThanDeployment_RunTimeoutApplies()
    {
        var (server, clock, deployment) = await StartAsync(timeoutSeconds: 3600);
        await using var _ = server;
        var client = server.Client;
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(TimeoutSeconds: 10));
        var untimed = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(ScheduledStartTime: clock.GetUtcNow().AddHours(1)));
        await StartAsync(client, run.Id, "1");

        clock.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(1, await SweepAsync<RunTimeoutService>(server));

        Assert.Equal(StateNames.TimingOut, (await client.GetFlowRunAsync(run.Id)).State.Name);
        Assert.Equal(StateType.Scheduled, (await client.GetFlowRunAsync(untimed.Id)).State.Type);
    }

    [Fact]
    public async Task Create_ZeroTimeout_Refused()
    {
        var (server, _, deployment) = await StartAsync();
        await using var __ = server;

        var refused = await Assert.ThrowsAsync<BosunApiException>(() => server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(TimeoutSeconds: 0)));
        Assert.Contains("timeout_seconds", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<BosunApiException>(() => server.Client.UpsertDeploymentAsync(new DeploymentUpsert("flow", "dep", WorkPoolName: "p", CrashRetries: -1)));
    }

    [Fact]
    public async Task Crashed_WithCrashRetries_NewAttemptOnFreshInfrastructureThenCrashedWhenUsedUp()
    {
        var (server, clock, deployment) = await StartAsync(crashRetries: 1);
        await using var _ = server;
        var client = server.Client;
        Assert.Equal((1, 5), (deployment.CrashRetries, deployment.CrashRetryDelaySeconds));
        var run = await client.RunAsync(deployment);
        await StartAsync(client, run.Id, "first");
        await client.SendFlowRunHeartbeatAsync(run.Id);

        var crash = await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Crashed, Message: "killed (exit code 137)"));

        Assert.Equal(SetStateStatus.Reject, crash.Status);
        var waiting = await client.GetFlowRunAsync(run.Id);
        Assert.Equal((StateType.Scheduled, StateNames.AwaitingCrashRetry), (waiting.State.Type, waiting.State.Name));
        Assert.Contains("killed (exit code 137)", waiting.State.Message, StringComparison.Ordinal);
        Assert.Equal(clock.GetUtcNow().AddSeconds(5), waiting.NextScheduledStartTime);
        Assert.Null(waiting.InfrastructureId);
        Assert.Null(waiting.LastHeartbeat);
        Assert.Empty((await client.ClaimAsync("p", prefetchSeconds: 0)).Runs);

        clock.Advance(TimeSpan.FromSeconds(5));
        await StartAsync(client, run.Id, "second");
        Assert.Equal(StateType.Crashed, (await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Crashed, Message: "lost again"))).State.Type);

        var history = await client.GetFlowRunStatesAsync(run.Id);
        Assert.Equal(
            ["Scheduled", "Pending", "Running", "AwaitingCrashRetry", "Pending", "Running", "Crashed"],
            history.Select(state => state.Name).ToList());
        Assert.Equal(2, (await client.GetFlowRunAsync(run.Id)).RunCount);
    }

    [Fact]
    public async Task Running_ZombieWithCrashRetries_SweepSchedulesNewAttempt()
    {
        var (server, clock, deployment) = await StartAsync(crashRetries: 2);
        await using var _ = server;
        var client = server.Client;
        var run = await client.RunAsync(deployment);
        await StartAsync(client, run.Id, "4242");
        await client.SendFlowRunHeartbeatAsync(run.Id);

        clock.Advance(TimeSpan.FromSeconds(91));
        Assert.Equal(1, await SweepAsync<AbandonedRunService>(server));

        var retried = await client.GetFlowRunAsync(run.Id);
        Assert.Equal(StateNames.AwaitingCrashRetry, retried.State.Name);
        Assert.Contains("stopped heartbeating", retried.State.Message, StringComparison.Ordinal);
        Assert.Contains("new attempt 1 of 2", retried.State.Message, StringComparison.Ordinal);
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(run.Id, Assert.Single((await client.ClaimAsync("p", worker: "fresh")).Runs).FlowRun.Id);
        // The new attempt's claim is not judged by the old process's silence.
        Assert.Equal(0, await SweepAsync<AbandonedRunService>(server));
    }

    [Fact]
    public async Task AwaitingRetry_ProcessStoppedHeartbeating_CrashedNotForgotten()
    {
        var (server, clock, deployment) = await StartAsync(retries: 1);
        await using var _ = server;
        var client = server.Client;
        var run = await client.RunAsync(deployment);
        await StartAsync(client, run.Id, "4242");
        await client.SendFlowRunHeartbeatAsync(run.Id);
        var failed = await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Failed, Message: "boom"));
        Assert.Equal(StateNames.AwaitingRetry, failed.State.Name);

        clock.Advance(TimeSpan.FromSeconds(60));
        await client.SendFlowRunHeartbeatAsync(run.Id);
        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(0, await SweepAsync<AbandonedRunService>(server));
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, await SweepAsync<AbandonedRunService>(server));

        var crashed = await client.GetFlowRunAsync(run.Id);
        Assert.Equal(StateType.Crashed, crashed.State.Type);
        Assert.Contains("while the run awaited its retry", crashed.State.Message, StringComparison.Ordinal);
    }
}
