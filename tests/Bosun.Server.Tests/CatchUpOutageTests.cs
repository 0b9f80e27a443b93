using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Schedules;
using Bosun.Contracts.States;
using Bosun.Server.Orchestration;
using Bosun.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Server.Tests;

/// <summary>
/// Schedules keep their word across a server outage, on a fake clock (docs/behaviour.md §8.3): an interval schedule of
/// 10 s runs normally, one run is claimed just before the server stops (its worker never comes back), the server is
/// away 5 s, 40 s or 10 min, and after the restart each slot has exactly one run, which ran or was skipped as the
/// deployment's catch-up policy says; the run claimed before the outage does not stay PENDING.
/// </summary>
public sealed class CatchUpOutageTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    // The loops wait on the fake clock too: a one-day interval leaves the sweeps to the test.
    private static readonly Action<BosunServerOptions> Quiet = options => options.ServiceInterval = TimeSpan.FromDays(1);

    [Theory]
    [InlineData(CatchUpPolicy.All, 5)]
    [InlineData(CatchUpPolicy.All, 40)]
    [InlineData(CatchUpPolicy.All, 600)]
    [InlineData(CatchUpPolicy.Latest, 5)]
    [InlineData(CatchUpPolicy.Latest, 40)]
    [InlineData(CatchUpPolicy.Latest, 600)]
    [InlineData(CatchUpPolicy.Skip, 5)]
    [InlineData(CatchUpPolicy.Skip, 40)]
    [InlineData(CatchUpPolicy.Skip, 600)]
    public async Task ServerOutage_ThenRestart_EverySlotRunsOnceOrIsSkippedAsThePolicySays(CatchUpPolicy policy, int outageSeconds)
    {
        var clock = new FakeTimeProvider(Start);
        var directory = TempDirectory.Create("bosun-catch-up");
        Guid deploymentId;
        Guid doomedId;
        await using (var server = await TestServer.StartAsync(clock, Quiet, directory))
        {
            await server.Client.PoolAsync("p");
            deploymentId = (await server.Client.UpsertDeploymentAsync(new DeploymentUpsert("f", "every-10s", "cmd", WorkPoolName: "p",
                Schedules: [new ScheduleSpec(IntervalSeconds: 10, Anchor: Start)], CatchUp: policy))).Id;
            await server.HostedService<Orchestration.Scheduling.SchedulerService>().SweepAsync(CancellationToken.None);
            for (var i = 0; i < 3; i++)
            {
                clock.Advance(TimeSpan.FromSeconds(10));
                await WorkAsync(server.Client);
            }

            // The worker "doomed" claims the run due at +40 s, then the server stops and that worker is never heard from again.
            clock.Advance(TimeSpan.FromSeconds(5));
            doomedId = Assert.Single((await server.Client.ClaimFlowRunsAsync("p", new ClaimRequest("doomed", 1, PrefetchSeconds: 10, HeartbeatIntervalSeconds: 10))).Runs).FlowRun.Id;
        }

        clock.Advance(TimeSpan.FromSeconds(outageSeconds));
        var restart = clock.GetUtcNow();
        await using (var server = await TestServer.StartAsync(clock, Quiet, directory))
        {
            await Eventually.WaitUntilAsync(() => Task.FromResult(server.HostedService<AbandonedRunService>().ListeningSince is not null), "the restarted server listens");
            await WorkAsync(server.Client);
            for (var i = 0; i < 11; i++)
            {
                clock.Advance(TimeSpan.FromSeconds(10));
                await server.HostedService<AbandonedRunService>().SweepAsync(CancellationToken.None);
                await WorkAsync(server.Client);
            }

            var end = clock.GetUtcNow();
            var runs = (await server.Client.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: deploymentId, ExpectedStartBefore: end.AddMilliseconds(1), Limit: 500))).Items;
            var slots = Enumerable.Range(1, (int)((end - Start).TotalSeconds / 10)).Select(i => Start.AddSeconds(10 * i)).ToList();
            Assert.Equal(slots, runs.Select(r => r.ExpectedStartTime).Order());

            var waitingAtRestart = slots.Where(s => s > Start.AddSeconds(40) && s <= restart).ToList();
            var anyMissed = waitingAtRestart.Any(s => s < restart - Grace);
            foreach (var run in runs)
            {
                var slot = run.ExpectedStartTime;
                var ran = policy switch
                {
                    _ when slot <= Start.AddSeconds(30) || slot > restart => true,
                    CatchUpPolicy.All => true,
                    _ when run.Id == doomedId => false,
                    CatchUpPolicy.Skip => slot >= restart - Grace,
                    _ => !anyMissed || slot == waitingAtRestart.Max(),
                };
                Assert.True(ran ? run.State.Type == StateType.Completed : (run.State.Type, run.State.Name) == (StateType.Cancelled, StateNames.Skipped),
                    $"{policy} after {outageSeconds} s: the run due at +{(slot - Start).TotalSeconds} s is {run.State.Type}/{run.State.Name}, expected it {(ran ? "to run" : "skipped")}");
            }

            var deployment = await server.Client.GetDeploymentAsync(deploymentId);
            var skipped = runs.Count(r => r.State.Name == StateNames.Skipped);
            Assert.Equal(skipped, deployment.SkippedRuns);
            Assert.Equal(runs.Where(r => r.State.Name == StateNames.Skipped).Select(r => r.ExpectedStartTime).OrderDescending().Take(20),
                (deployment.RecentSkippedRuns ?? []).Select(s => s.ScheduledTime));
        }

        await TestDatabases.DeleteDirectoryAsync(directory);
    }

    [Fact]
    public async Task LongOutage_PastTheScheduledWindow_NeverCreatedSlotsCaughtUpByPolicy()
    {
        foreach (var policy in Enum.GetValues<CatchUpPolicy>())
        {
            var clock = new FakeTimeProvider(Start);
            await using var server = await TestServer.StartAsync(clock, Quiet);
            await server.Client.PoolAsync("p");
            var deployment = await server.Client.UpsertDeploymentAsync(new DeploymentUpsert("f", "minutely", "cmd", WorkPoolName: "p",
                Schedules: [new ScheduleSpec(IntervalSeconds: 60, Anchor: Start)], CatchUp: policy));
            var scheduler = server.HostedService<Orchestration.Scheduling.SchedulerService>();
            await scheduler.SweepAsync(CancellationToken.None);

            // An hour of runs is made ahead (60); five hours pass with no sweep: 240 slots were never made.
            clock.Advance(TimeSpan.FromHours(5));
            await scheduler.SweepAsync(CancellationToken.None);
            var claimed = (await server.Client.ClaimFlowRunsAsync("p", new ClaimRequest("w", 1000, PrefetchSeconds: 0))).Runs;

            var now = clock.GetUtcNow();
            var after = await server.Client.GetDeploymentAsync(deployment.Id);
            Assert.Equal(policy == CatchUpPolicy.All ? 300 : 1, claimed.Count);
            Assert.Equal(300 - claimed.Count, after.SkippedRuns);
            Assert.Equal(300 - claimed.Count, Assert.Single(after.Schedules).SkippedRuns);
            if (policy != CatchUpPolicy.All)
            {
                Assert.Equal(now, Assert.Single(claimed).FlowRun.ExpectedStartTime);
                Assert.Equal(now.AddMinutes(-1), after.RecentSkippedRuns![0].ScheduledTime);
                Assert.Equal(20, after.RecentSkippedRuns.Count);
            }
        }
    }

    /// <summary>The worker "w": claims every due run (prefetch 0) and completes it.</summary>
    private static async Task WorkAsync(BosunClient client)
    {
        var claim = await client.ClaimFlowRunsAsync("p", new ClaimRequest("w", 500, PrefetchSeconds: 0, HeartbeatIntervalSeconds: 10));
        foreach (var run in claim.Runs)
        {
            await client.CompleteAsync(run.FlowRun.Id);
        }
    }
}
