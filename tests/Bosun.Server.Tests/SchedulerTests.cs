using System.Net;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Schedules;
using Bosun.Contracts.States;
using Bosun.Server.Orchestration;
using Bosun.Server.Orchestration.Scheduling;
using Bosun.Server.Storage;
using Bosun.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Server.Tests;

/// <summary>The scheduler on a fake clock: stocking, idempotence across restarts, pauses, changes and catch-up policies.</summary>
public sealed class SchedulerTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);

    // The hosted loop waits on the fake clock too; a long interval keeps it from sweeping when the test advances time.
    private static readonly Action<BosunServerOptions> Quiet = options => options.ServiceInterval = TimeSpan.FromDays(1);

    private static Task<int> SweepAsync(TestServer server) =>
        server.HostedService<SchedulerService>().SweepAsync(CancellationToken.None);

    private static async Task<IReadOnlyList<FlowRunSummary>> RunsAsync(TestServer server, params StateType[] states) =>
        (await server.Client.ListFlowRunsAsync(new FlowRunFilter(States: states.Length == 0 ? null : states, Limit: 500))).Items;

    private static Task<Deployment> ScheduledDeploymentAsync(TestServer server, string cron = "*/15 * * * *", CatchUpPolicy catchUp = CatchUpPolicy.All) =>
        server.Client.UpsertDeploymentAsync(new DeploymentUpsert("f", "scheduled", "cmd", WorkPoolName: "p",
            Schedules: [new ScheduleSpec(Cron: cron)], CatchUp: catchUp));

    [Fact]
    public async Task Sweep_CreatesTheWindowOnceAcrossSweepsAndRestarts()
    {
        var clock = new FakeTimeProvider(Start);
        var directory = TempDirectory.Create("bosun-scheduler");
        Guid deploymentId;
        await using (var server = await TestServer.StartAsync(clock, Quiet, directory: directory))
        {
            await server.Client.PoolAsync("p");
            deploymentId = (await ScheduledDeploymentAsync(server)).Id;
            await SweepAsync(server);
            await SweepAsync(server);

            var runs = await RunsAsync(server);
            Assert.Equal(4, runs.Count);
            Assert.Equal([Start.AddMinutes(15), Start.AddMinutes(30), Start.AddMinutes(45), Start.AddMinutes(60)], runs.Select(r => r.ExpectedStartTime).Order());
            Assert.All(runs, r => Assert.Contains("auto-scheduled", r.Tags));
        }

        for (var restart = 0; restart < 2; restart++)
        {
            await using var again = await TestServer.StartAsync(clock, Quiet, directory: directory);
            await SweepAsync(again);
            Assert.Equal(4, (await RunsAsync(again)).Count);
        }

        await TestDatabases.DeleteDirectoryAsync(directory);
    }

    /// <summary>
    /// A sweep catching a one-second schedule up after a 40-minute outage makes 2,300 missed runs and the window's 100,
    /// looked up and inserted a thousand at a time (one statement each on PostgreSQL): each slot gets exactly one run, the
    /// window made before the outage included, and a second sweep makes none of them again.
    /// </summary>
    [Fact]
    public async Task Sweep_ThousandsOfSlotsAfterAnOutage_EachSlotMadeOnce_AcrossChunksAndSweeps()
    {
        var clock = new FakeTimeProvider(Start);
        await using var server = await TestServer.StartAsync(clock, options =>
        {
            Quiet(options);
            options.MaxScheduledRunsPerSweep = 5_000;
        });
        await server.Client.PoolAsync("p");
        await server.Client.UpsertDeploymentAsync(new DeploymentUpsert("f", "every-second", "cmd", WorkPoolName: "p",
            Schedules: [new ScheduleSpec(IntervalSeconds: 1, Anchor: Start)], CatchUp: CatchUpPolicy.All));
        // The upsert woke the scheduler's own loop: its pass done, the sweeps below are the only ones.
        await server.SweepLoopsIdleAsync();
        await SweepAsync(server);
        var database = server.Server.Services.GetRequiredService<BosunDatabase>();
        async Task<(long Runs, long Slots, long First, long Last)> StoredAsync() =>
            await database.ReadAsync(connection => connection.QuerySingleAsync<(long, long, long, long)>(
                "SELECT COUNT(*), COUNT(DISTINCT expected_start_time), MIN(expected_start_time), MAX(expected_start_time) FROM flow_runs"), CancellationToken.None);
        var window = await StoredAsync();
        Assert.Equal(ScheduleCalculator.MaxRuns, window.Runs);

        clock.Advance(TimeSpan.FromMinutes(40));
        var made = await SweepAsync(server);
        var (runs, slots, first, last) = await StoredAsync();

        Assert.True(made > 2 * 1000, $"the catch-up made {made} runs: not enough to take three chunks");
        Assert.Equal(window.Runs + made, runs);
        Assert.Equal(runs, slots);
        // Every second from the first slot to the window's end, none missing.
        Assert.Equal(runs, ((last - first) / 1000) + 1);
        // The window's hundred runs ahead of now.
        Assert.InRange(last - clock.GetUtcNow().ToUnixTimeMilliseconds(), (ScheduleCalculator.MaxRuns - 1) * 1000, ScheduleCalculator.MaxRuns * 1000);

        Assert.Equal(0, await SweepAsync(server));
        var again = await StoredAsync();
        Assert.Equal((runs, slots), (again.Runs, again.Slots));
    }

    [Fact]
    public async Task Sweep_RunsMadeInOnePool_WakeOnlyThatPoolsClaims()
    {
        await using var server = await TestServer.StartAsync(new FakeTimeProvider(Start), Quiet);
        var p = await server.Client.PoolAsync("p");
        var other = await server.Client.PoolAsync("other");
        // With PostgreSQL, a replica wakes every claim once when it starts listening (for what it may have missed).
        await server.HostedService<ReplicaNotifications>().Ready.WaitAsync(TimeSpan.FromSeconds(90));
        var signal = server.Server.Services.GetRequiredService<ClaimSignal>();
        var waitingInP = signal.NextAsync(p.Id);
        var waitingInOther = signal.NextAsync(other.Id);

        // The upsert rings the scheduler, whose own sweep may make the runs before this one does: either wakes p.
        await ScheduledDeploymentAsync(server);
        await SweepAsync(server);

        await waitingInP.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.NotEmpty(await RunsAsync(server, StateType.Scheduled));
        Assert.False(waitingInOther.IsCompleted, "the scheduler's runs in pool p woke the claims waiting in pool other");
    }

    [Fact]
    public async Task Sweep_AsTimePasses_KeepsTheWindowStocked()
    {
        var clock = new FakeTimeProvider(Start);
        await using var server = await TestServer.StartAsync(clock, Quiet);
        await server.Client.PoolAsync("p");
        await ScheduledDeploymentAsync(server);
        await SweepAsync(server);

        clock.Advance(TimeSpan.FromMinutes(20));
        await SweepAsync(server);

        // From 12:20: 12:30, 12:45, 13:00, 13:15 and 13:30, the first at least an hour ahead; 12:15 has passed.
        var future = (await RunsAsync(server)).Where(r => r.ExpectedStartTime > clock.GetUtcNow()).Select(r => r.ExpectedStartTime).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => Start.AddMinutes(30 + (15 * i))), future);
        Assert.Equal(6, (await RunsAsync(server)).Count);
    }

    [Fact]
    public async Task PausedDeployment_NothingScheduledAndFutureRunsRemoved()
    {
        var clock = new FakeTimeProvider(Start);
        await using var server = await TestServer.StartAsync(clock, Quiet);
        await server.Client.PoolAsync("p");
        var deployment = await ScheduledDeploymentAsync(server);
        var manual = await server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(ScheduledStartTime: Start.AddHours(2)));
        await SweepAsync(server);

        await server.Client.PauseDeploymentAsync(deployment.Id);
        await SweepAsync(server);

        Assert.Equal(manual.Id, Assert.Single(await RunsAsync(server)).Id);
        await server.Client.ResumeDeploymentAsync(deployment.Id);
        await SweepAsync(server);
        Assert.Equal(5, (await RunsAsync(server)).Count);
    }

    [Fact]
    public async Task ChangedDeployment_FutureAutoScheduledRunsReplaced()
    {
        var clock = new FakeTimeProvider(Start);
        await using var server = await TestServer.StartAsync(clock, Quiet);
        await server.Client.PoolAsync("p");
        await ScheduledDeploymentAsync(server, "*/15 * * * *");
        await SweepAsync(server);

        await ScheduledDeploymentAsync(server, "0 * * * *");
        await SweepAsync(server);

        var times = (await RunsAsync(server)).Select(r => r.ExpectedStartTime).Order().ToList();
        Assert.Equal([Start.AddHours(1), Start.AddHours(2), Start.AddHours(3)], times);
    }

    [Theory]
    [InlineData(CatchUpPolicy.All, 12, 0)]
    [InlineData(CatchUpPolicy.Latest, 1, 11)]
    [InlineData(CatchUpPolicy.Skip, 1, 11)]
    public async Task CatchUp_AfterThreeHourOutage_AppliesPolicy(CatchUpPolicy policy, int pastRunsClaimed, int skipped)
    {
        var clock = new FakeTimeProvider(Start);
        await using var server = await TestServer.StartAsync(clock, Quiet);
        await server.Client.PoolAsync("p");
        var deployment = await ScheduledDeploymentAsync(server, catchUp: policy);
        await SweepAsync(server);

        clock.Advance(TimeSpan.FromHours(3));
        await SweepAsync(server);
        var claimed = (await server.Client.ClaimAsync("p", max: 100, prefetchSeconds: 0)).Runs;

        // 12:15 to 14:45 were missed; 15:00 is due now, within the grace: it is the one LATEST and SKIP run.
        var now = clock.GetUtcNow();
        Assert.Equal(pastRunsClaimed, claimed.Count);
        Assert.Contains(claimed, r => r.FlowRun.ExpectedStartTime == now);
        var after = await server.Client.GetDeploymentAsync(deployment.Id);
        Assert.Equal(skipped, after.SkippedRuns);
        Assert.Equal(skipped == 0 ? null : now, after.LastSkippedTime);
        Assert.True((await RunsAsync(server, StateType.Scheduled)).Count(r => r.ExpectedStartTime > now) >= 3);
    }

    [Fact]
    public async Task Upsert_InvalidSchedule_422AndNothingSaved()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => server.Client.UpsertDeploymentAsync(new DeploymentUpsert("f", "bad", WorkPoolName: "p",
            Schedules: [new ScheduleSpec(Cron: "0 9 * * *"), new ScheduleSpec(Cron: "every morning")])), "schedules[1].cron");

        Assert.Equal(0, (await server.Client.ListDeploymentsAsync()).Total);
    }

    [Fact]
    public async Task Schedules_AddPauseResumeDelete_ThroughTheApi()
    {
        var clock = new FakeTimeProvider(Start);
        await using var server = await TestServer.StartAsync(clock, Quiet);
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");

        var schedule = await client.AddScheduleAsync(deployment.Id, new ScheduleSpec(IntervalSeconds: 600, Anchor: Start, Timezone: "Europe/Berlin"));
        await SweepAsync(server);
        Assert.Equal(6, (await RunsAsync(server)).Count);

        Assert.False((await client.SetScheduleActiveAsync(deployment.Id, schedule.Id, false)).Active);
        Assert.Empty(await RunsAsync(server));
        await client.SetScheduleActiveAsync(deployment.Id, schedule.Id, true);
        await SweepAsync(server);
        Assert.Equal(6, (await RunsAsync(server)).Count);

        await client.DeleteScheduleAsync(deployment.Id, schedule.Id);
        Assert.Empty(await client.ListSchedulesAsync(deployment.Id));
        Assert.Empty(await RunsAsync(server));
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => client.AddScheduleAsync(deployment.Id, new ScheduleSpec(IntervalSeconds: -1)), "interval_seconds");
    }

    [Fact]
    public async Task Upcoming_DailyInBerlinAcrossSpringForward_MarksTheDstChange()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 26, 12, 0, 0, TimeSpan.Zero));
        await using var server = await TestServer.StartAsync(clock, Quiet);
        var deployment = await server.Client.UpsertDeploymentAsync(new DeploymentUpsert("f", "daily",
            Schedules: [new ScheduleSpec(Cron: "0 9 * * *", Timezone: "Europe/Berlin")]));

        var upcoming = await server.Client.GetUpcomingRunsAsync(deployment.Id, 5);

        Assert.Equal(5, upcoming.Count);
        var marked = Assert.Single(upcoming, u => u.DstChange);
        Assert.StartsWith("2026-03-29 09:00:00 +02:00", marked.LocalTime, StringComparison.Ordinal);
        Assert.All(upcoming, u => Assert.Contains(" 09:00:00 ", u.LocalTime, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeploymentLimitOne_FiveRuns_OneAtATimeInOrder()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p", limit: 1);
        var created = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await client.RunAsync(deployment, TimeProvider.System.GetUtcNow().AddSeconds(-10 + i))).Id);
        }

        var order = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var claim = await client.ClaimAsync("p", max: 5);
            var run = Assert.Single(claim.Runs);
            Assert.Empty((await client.ClaimAsync("p", max: 5)).Runs);
            order.Add(run.FlowRun.Id);
            await client.CompleteAsync(run.FlowRun.Id);
        }

        Assert.Equal(created, order);
    }
}
