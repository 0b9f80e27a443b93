using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Server.Orchestration;
using Bosun.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Server.Tests;

/// <summary>
/// The sweep of abandoned runs through the real server and store, on a fake clock (docs/behaviour.md §6.4): PENDING,
/// RUNNING and CANCELLING runs whose holders went silent end, free their slots and say why in their log.
/// </summary>
public sealed class AbandonedRunServiceTests
{
    // The loops wait on the fake clock too: a one-day interval keeps them from sweeping when a test advances it.
    private static readonly Action<BosunServerOptions> NoBackgroundSweeps = options => options.ServiceInterval = TimeSpan.FromDays(1);

    private static AbandonedRunService Sweeps(IServiceProvider services) => services.GetServices<IHostedService>().OfType<AbandonedRunService>().Single();

    private static Task<int> SweepAsync(TestServer server) => server.HostedService<AbandonedRunService>().SweepAsync(CancellationToken.None);

    private static async Task<(TestServer Server, FakeTimeProvider Clock, Contracts.Deployments.Deployment Deployment)> StartAsync()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var server = await TestServer.StartAsync(clock, NoBackgroundSweeps);
        await server.Client.PoolAsync("p");
        return (server, clock, await server.Client.DeploymentAsync("p"));
    }

    private static Task BeatAsync(BosunClient client, string worker) =>
        client.SendWorkerHeartbeatAsync("p", new WorkerHeartbeat(worker, HeartbeatIntervalSeconds: 10));

    private static async Task<FlowRun> ClaimOneAsync(BosunClient client, Contracts.Deployments.Deployment deployment, string worker, DateTimeOffset? at = null)
    {
        var run = await client.RunAsync(deployment, at);
        await client.ClaimFlowRunsAsync("p", new ClaimRequest(worker, 1, PrefetchSeconds: 3600, HeartbeatIntervalSeconds: 10));
        Assert.Equal(StateType.Pending, (await client.GetFlowRunAsync(run.Id)).State.Type);
        return run;
    }

    [Fact]
    public async Task Pending_WorkerSilentNothingStarted_RequeuedClaimableAndLogged()
    {
        var (server, clock, deployment) = await StartAsync();
        await using var _ = server;
        var client = server.Client;
        var run = await ClaimOneAsync(client, deployment, "gone", clock.GetUtcNow().AddMinutes(5));

        clock.Advance(TimeSpan.FromSeconds(89));
        Assert.Equal(0, await SweepAsync(server));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await SweepAsync(server));

        var requeued = await client.GetFlowRunAsync(run.Id);
        Assert.Equal((StateType.Scheduled, StateNames.Scheduled), (requeued.State.Type, requeued.State.Name));
        Assert.Contains("re-queued: 'gone' has not been heard from", requeued.State.Message, StringComparison.Ordinal);
        Assert.Equal(run.ExpectedStartTime, requeued.NextScheduledStartTime);
        var line = Assert.Single((await client.ReadLogsAsync(run.Id)).Items);
        Assert.Equal((LogSource.Server, RunLogLevel.Warning), (line.Source, line.Level));
        Assert.Contains("from PENDING to SCHEDULED", line.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await client.GetWorkPoolAsync("p")).SlotsInUse);
        var again = Assert.Single((await client.ClaimFlowRunsAsync("p", new ClaimRequest("other", 1, PrefetchSeconds: 3600))).Runs);
        Assert.Equal(run.Id, again.FlowRun.Id);
        Assert.Equal("other", (await client.GetFlowRunAsync(run.Id)).WorkerName);
    }

    [Fact]
    public async Task Pending_WorkerAliveForThreeIntervals_Untouched()
    {
        var (server, clock, deployment) = await StartAsync();
        await using var _ = server;
        var client = server.Client;
        var run = await ClaimOneAsync(client, deployment, "busy");

        for (var i = 0; i < 6; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(30));
            await BeatAsync(client, "busy");
            Assert.Equal(0, await SweepAsync(server));
        }

        Assert.Equal(StateType.Pending, (await client.GetFlowRunAsync(run.Id)).State.Type);
    }

    [Fact]
    public async Task Pending_WorkerSilentInfrastructureStarted_Crashed()
    {
        var (server, clock, deployment) = await StartAsync();
        await using var _ = server;
        var client = server.Client;
        var run = await ClaimOneAsync(client, deployment, "gone");
        await client.SetFlowRunInfrastructureAsync(run.Id, "4242");

        clock.Advance(TimeSpan.FromSeconds(91));
        Assert.Equal(1, await SweepAsync(server));

        var crashed = await client.GetFlowRunAsync(run.Id);
        Assert.Equal(StateType.Crashed, crashed.State.Type);
        Assert.Contains("infrastructure 4242 was started but the run never reported RUNNING", crashed.State.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pending_FlowProcessStoppedHeartbeatingWorkerAlive_Crashed()
    {
        var (server, clock, deployment) = await StartAsync();
        await using var _ = server;
        var client = server.Client;
        var run = await ClaimOneAsync(client, deployment, "alive");
        await client.SetFlowRunInfrastructureAsync(run.Id, "4242");
        await client.SendFlowRunHeartbeatAsync(run.Id);

        clock.Advance(TimeSpan.FromSeconds(60));
        await BeatAsync(client, "alive");
        Assert.Equal(0, await SweepAsync(server));
        clock.Advance(TimeSpan.FromSeconds(31));
        await BeatAsync(client, "alive");
        Assert.Equal(1, await SweepAsync(server));

        Assert.Contains("before the flow started", (await client.GetFlowRunAsync(run.Id)).State.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Running_NoHeartbeatWorkerSilent_CrashedAndSlotFreed()
    {
        var (server, clock, deployment) = await StartAsync();
        await using var _ = server;
        var client = server.Client;
        var watched = await ClaimOneAsync(client, deployment, "alive");
        var orphan = await ClaimOneAsync(client, deployment, "gone");
        await client.SetFlowRunStateAsync(watched.Id, new StateProposal(StateType.Running));
        await client.SetFlowRunStateAsync(orphan.Id, new StateProposal(StateType.Running));

        clock.Advance(TimeSpan.FromSeconds(60));
        await BeatAsync(client, "alive");
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, await SweepAsync(server));

        Assert.Equal(StateType.Running, (await client.GetFlowRunAsync(watched.Id)).State.Type);
        var crashed = await client.GetFlowRunAsync(orphan.Id);
        Assert.Equal(StateType.Crashed, crashed.State.Type);
        Assert.Contains("nothing watches it any more", crashed.State.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await client.GetWorkPoolAsync("p")).SlotsInUse);
    }

    [Fact]
    public async Task Cancelling_WorkerSilent_CancelledWithAndWithoutInfrastructure()
    {
        var (server, clock, deployment) = await StartAsync();
        await using var _ = server;
        var client = server.Client;
        var started = await ClaimOneAsync(client, deployment, "gone");
        await client.SetFlowRunInfrastructureAsync(started.Id, "c0ffee");
        await client.SetFlowRunStateAsync(started.Id, new StateProposal(StateType.Running));
        var notStarted = await ClaimOneAsync(client, deployment, "alive");
        Assert.Equal(StateType.Cancelling, (await client.CancelFlowRunAsync(started.Id)).State.Type);
        Assert.Equal(StateType.Cancelling, (await client.CancelFlowRunAsync(notStarted.Id)).State.Type);

        clock.Advance(TimeSpan.FromSeconds(60));
        await BeatAsync(client, "alive");
        clock.Advance(TimeSpan.FromSeconds(31));
        await BeatAsync(client, "alive");
        Assert.Equal(2, await SweepAsync(server));

        var gone = await client.GetFlowRunAsync(started.Id);
        Assert.Equal(StateType.Cancelled, gone.State.Type);
        Assert.Contains("infrastructure c0ffee is gone with it", gone.State.Message, StringComparison.Ordinal);
        Assert.Contains("no infrastructure was started", (await client.GetFlowRunAsync(notStarted.Id)).State.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await client.GetWorkPoolAsync("p")).SlotsInUse);
    }

    [Fact]
    public async Task ServedRun_ServingProcessStoppedPolling_Requeued()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var server = await TestServer.StartAsync(clock, NoBackgroundSweeps);
        var client = server.Client;
        var deployment = await client.UpsertDeploymentAsync(new Contracts.Deployments.DeploymentUpsert("served", "dep", "cmd"));
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        Assert.Single((await client.ClaimServedFlowRunsAsync(new ServedClaimRequest("serve-1", [deployment.Id], 1))).Runs);

        clock.Advance(TimeSpan.FromSeconds(91));
        Assert.Equal(1, await SweepAsync(server));

        Assert.Equal(StateType.Scheduled, (await client.GetFlowRunAsync(run.Id)).State.Type);
    }

    [Fact]
    public async Task ServedRun_InProcessNotYetHeartbeating_ItsProcessSilentWhileAnotherServesTheDeployment_Crashed()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var server = await TestServer.StartAsync(clock, NoBackgroundSweeps);
        var client = server.Client;
        var deployment = await client.UpsertDeploymentAsync(new Contracts.Deployments.DeploymentUpsert("served", "dep", "cmd"));
        ServedClaimRequest Claim(string process) => new(process, [deployment.Id], 1) { InProcessInfrastructureId = $"in-process-{process}" };
        var orphan = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        Assert.Equal(StateType.Running, Assert.Single((await client.ClaimServedFlowRunsAsync(Claim("serve-dead"))).Runs).FlowRun.State.Type);
        var kept = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        Assert.Single((await client.ClaimServedFlowRunsAsync(Claim("serve-alive"))).Runs);

        // serve-dead was killed; serve-alive, serving the same deployment, goes on polling (keeping the deployment READY).
        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Empty((await client.ClaimServedFlowRunsAsync(Claim("serve-alive"))).Runs);
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Empty((await client.ClaimServedFlowRunsAsync(Claim("serve-alive"))).Runs);
        Assert.Equal(1, await SweepAsync(server));

        var crashed = await client.GetFlowRunAsync(orphan.Id);
        Assert.Equal(StateType.Crashed, crashed.State.Type);
        Assert.Contains("'serve-dead' has not been heard from", crashed.State.Message, StringComparison.Ordinal);
        Assert.Equal(StateType.Running, (await client.GetFlowRunAsync(kept.Id)).State.Type);
    }

    [Fact]
    public async Task Restart_AfterLongSilence_WaitsAFullTimeoutFromTheRestart()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var directory = TempDirectory.Create("bosun-abandoned");
        var runId = await ClaimThenStopAsync(clock, directory);

        // Down for ten minutes: nobody could heartbeat, so nobody is judged until the restarted server listened 90 s.
        clock.Advance(TimeSpan.FromMinutes(10));
        await using (var restarted = await TestServer.StartAsync(clock, NoBackgroundSweeps, directory))
        {
            await AssertRequeuedOnlyAFullTimeoutAfterAsync(restarted, await ListeningAsync(restarted), clock, runId);
        }

        await TestDatabases.DeleteDirectoryAsync(directory);
    }

    [Fact]
    public async Task Restart_WebServerUpLongAfterTheSweepsBegan_JudgesOnlyFromWhenItListens()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var directory = TempDirectory.Create("bosun-abandoned");
        var runId = await ClaimThenStopAsync(clock, directory);

        // Hosted services start one after the other and the web server last: one that takes ten minutes (by the server's
        // clock) after the sweeps' loops began stands for a loaded machine bringing up Kestrel, during which no worker can
        // be heard.
        var slowStart = new SlowStart(clock, TimeSpan.FromMinutes(10));
        await using (var restarted = await TestServer.StartAsync(clock, NoBackgroundSweeps, directory, services: services => services.AddSingleton<IHostedService>(slowStart.For)))
        {
            var service = await ListeningAsync(restarted);
            Assert.True(service.ListeningSince >= slowStart.EndedAt, $"listening since {service.ListeningSince:HH:mm:ss}, before the web server was up at {slowStart.EndedAt:HH:mm:ss}");
            Assert.Equal(0, await service.SweepAsync(CancellationToken.None));
            await AssertRequeuedOnlyAFullTimeoutAfterAsync(restarted, service, clock, runId);
        }

        await TestDatabases.DeleteDirectoryAsync(directory);
    }

    /// <summary>A server on <paramref name="directory"/>'s store whose worker "w" claimed one run, stopped; the run's id.</summary>
    private static async Task<Guid> ClaimThenStopAsync(FakeTimeProvider clock, string directory)
    {
        await using var server = await TestServer.StartAsync(clock, NoBackgroundSweeps, directory);
        await server.Client.PoolAsync("p");
        return (await ClaimOneAsync(server.Client, await server.Client.DeploymentAsync("p"), "w")).Id;
    }

    /// <summary>The server's abandoned-run loop, once it has started listening.</summary>
    private static async Task<AbandonedRunService> ListeningAsync(TestServer server)
    {
        var service = server.HostedService<AbandonedRunService>();
        await Eventually.WaitUntilAsync(() => Task.FromResult(service.ListeningSince is not null), "the sweep's loop has started listening");
        return service;
    }

    /// <summary>The silent worker's run is left alone 89 s after the server listened and re-queued at 91 s: a full 90 s timeout from then.</summary>
    private static async Task AssertRequeuedOnlyAFullTimeoutAfterAsync(TestServer restarted, AbandonedRunService service, FakeTimeProvider clock, Guid runId)
    {
        clock.Advance(TimeSpan.FromSeconds(89));
        Assert.Equal(0, await service.SweepAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await service.SweepAsync(CancellationToken.None));
        Assert.Equal(StateType.Scheduled, (await restarted.Client.GetFlowRunAsync(runId)).State.Type);
    }

    /// <summary>A hosted service whose start waits for the abandoned-run loop to have begun, then lets <c>duration</c> pass on the clock.</summary>
    private sealed class SlowStart(FakeTimeProvider clock, TimeSpan duration)
    {
        private FakeTimeProvider Clock { get; } = clock;

        private TimeSpan Duration { get; } = duration;

        public DateTimeOffset EndedAt { get; private set; }

        public IHostedService For(IServiceProvider provider) => new Service(this, provider);

        private sealed class Service(SlowStart owner, IServiceProvider provider) : IHostedService
        {
            public async Task StartAsync(CancellationToken cancellationToken)
            {
                var sweeps = Sweeps(provider);
                // A loop that sweeps before the host has started has set ListeningSince by now; one that waits for the host
                // has not, and this gives up after 3 s.
                var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(3);
                while (sweeps.ListeningSince is null && TimeProvider.System.GetUtcNow() < deadline)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
                }

                owner.Clock.Advance(owner.Duration);
                owner.EndedAt = owner.Clock.GetUtcNow();
            }

            public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        }
    }
}
