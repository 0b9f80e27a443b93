using Bosun.Contracts.States;
using Bosun.Server.Orchestration;
using Bosun.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Server.Tests;

/// <summary>Late-run marking, zombie detection and worker statuses, on a fake clock.</summary>
public sealed class BackgroundServiceTests
{
    // The services' own loops also wait on the fake clock; a one-day interval keeps them from sweeping when a test
    // advances it, so that the test's explicit SweepAsync is the one that acts.
    private static readonly Action<BosunServerOptions> NoBackgroundSweeps = options => options.ServiceInterval = TimeSpan.FromDays(1);

    [Fact]
    public async Task LateRunService_After15Seconds_RenamesScheduledToLate()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var server = await TestServer.StartAsync(clock, NoBackgroundSweeps);
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var run = await client.RunAsync(deployment);
        var later = await client.RunAsync(deployment, clock.GetUtcNow().AddSeconds(10));
        var late = server.HostedService<LateRunService>();

        clock.Advance(TimeSpan.FromSeconds(14));
        Assert.Equal(0, await late.SweepAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await late.SweepAsync(CancellationToken.None));

        var lateRun = await client.GetFlowRunAsync(run.Id);
        Assert.Equal((StateType.Scheduled, StateNames.Late), (lateRun.State.Type, lateRun.State.Name));
        Assert.Equal(StateNames.Scheduled, (await client.GetFlowRunAsync(later.Id)).State.Name);
        Assert.Equal(1, (await client.GetWorkQueueAsync("p", "default")).LateRuns);
        Assert.Equal(run.Id, Assert.Single((await client.ClaimAsync("p", max: 1, prefetchSeconds: 0)).Runs).FlowRun.Id);
    }

    [Fact]
    public async Task AbandonedRunService_HeartbeatLapsed_MarksRunningRunCrashed()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var server = await TestServer.StartAsync(clock, NoBackgroundSweeps);
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var beating = await client.RunAsync(deployment);
        var silent = await client.RunAsync(deployment);
        await client.ClaimAsync("p", max: 2);
        await client.SetFlowRunStateAsync(beating.Id, new StateProposal(StateType.Running));
        await client.SetFlowRunStateAsync(silent.Id, new StateProposal(StateType.Running));
        await client.SendFlowRunHeartbeatAsync(beating.Id);
        var zombies = server.HostedService<AbandonedRunService>();

        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(0, await zombies.SweepAsync(CancellationToken.None));
        // The run that never heartbeats is its worker's to watch, and the worker is alive.
        await client.SendWorkerHeartbeatAsync("p", new Contracts.WorkPools.WorkerHeartbeat("w1"));
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, await zombies.SweepAsync(CancellationToken.None));

        var crashed = await client.GetFlowRunAsync(beating.Id);
        Assert.Equal(StateType.Crashed, crashed.State.Type);
        Assert.Contains("stopped heartbeating", crashed.State.Message, StringComparison.Ordinal);
        Assert.Contains("CRASHED", (await client.ReadLogsAsync(beating.Id)).Items.Single().Message, StringComparison.Ordinal);
        Assert.Equal(StateType.Running, (await client.GetFlowRunAsync(silent.Id)).State.Type);
        Assert.Equal(1, (await client.GetWorkPoolAsync("p")).SlotsInUse);
    }

    [Fact]
    public async Task WorkerStatus_AfterThreeMissedIntervals_Offline()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var server = await TestServer.StartAsync(clock, NoBackgroundSweeps);
        await server.Client.PoolAsync("p");
        await server.Client.SendWorkerHeartbeatAsync("p", new Contracts.WorkPools.WorkerHeartbeat("w", HeartbeatIntervalSeconds: 10));

        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(Contracts.WorkPools.ReadinessStatus.Ready, (await server.Client.GetWorkPoolAsync("p")).Status);
        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(Contracts.WorkPools.WorkerStatus.Offline, (await server.Client.ListWorkersAsync("p")).Single().Status);
        Assert.Equal(Contracts.WorkPools.ReadinessStatus.NotReady, (await server.Client.GetWorkPoolAsync("p")).Status);
    }
}
