using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Server.Orchestration;
using Bosun.Testing;
using Bosun.Ui.Backend;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Server.Tests;

/// <summary>
/// The store queries behind the web UI's charts (docs/ui.md, "Charts"), on the store BOSUN_TEST_STORE names: a history
/// seeded through the API on a fake clock, read through the backends the pages call.
/// </summary>
public sealed class ChartQueryTests
{
    private static readonly DateTimeOffset Midnight = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Action<BosunServerOptions> NoBackgroundSweeps = options => options.ServiceInterval = TimeSpan.FromDays(1);

    [Fact]
    public async Task CountByStateOverTime_SeededDay_EachBucketCountsItsRunsByStateAndTheWindowEndsAreExclusive()
    {
        var clock = new FakeTimeProvider(Midnight.AddHours(-2));
        await using var server = await TestServer.StartAsync(clock, NoBackgroundSweeps);
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var justBefore = await client.RunAsync(deployment, at: Midnight.AddMilliseconds(-1));
        var first = await client.RunAsync(deployment, at: Midnight.AddMinutes(10));
        var second = await client.RunAsync(deployment, at: Midnight.AddMinutes(20));
        var cancelled = await client.RunAsync(deployment, at: Midnight.AddHours(2).AddMinutes(30));
        await client.RunAsync(deployment, at: Midnight.AddHours(23).AddMinutes(59));
        var atTheEnd = await client.RunAsync(deployment, at: Midnight.AddDays(1));
        foreach (var run in new[] { justBefore, cancelled, atTheEnd })
        {
            await CancelAsync(client, run.Id);
        }

        clock.SetUtcNow(Midnight.AddMinutes(30));
        Assert.Equal(first.Id, Assert.Single((await client.ClaimAsync("p", max: 1)).Runs).FlowRun.Id);
        await client.CompleteAsync(first.Id);
        Assert.Equal(second.Id, Assert.Single((await client.ClaimAsync("p", max: 1)).Runs).FlowRun.Id);
        await client.SetFlowRunStateAsync(second.Id, new StateProposal(StateType.Running));
        await client.SetFlowRunStateAsync(second.Id, new StateProposal(StateType.Failed, Message: "boom"));

        var runs = server.Server.Services.GetRequiredService<IFlowRunBackend>();
        var day = await runs.CountByStateOverTimeAsync(Midnight, Midnight.AddDays(1), TimeSpan.FromHours(1), CancellationToken.None);
        var week = await runs.CountByStateOverTimeAsync(Midnight.AddDays(-6), Midnight.AddDays(1), TimeSpan.FromHours(6), CancellationToken.None);

        Assert.Equal(
            [
                $"{Midnight:HH:mm} COMPLETED=1 FAILED=1",
                $"{Midnight.AddHours(2):HH:mm} CANCELLED=1",
                $"{Midnight.AddHours(23):HH:mm} SCHEDULED=1",
            ],
            day.Select(Describe));
        Assert.Equal(
            [
                $"{Midnight.AddHours(-6):HH:mm} CANCELLED=1",
                $"{Midnight:HH:mm} CANCELLED=1 COMPLETED=1 FAILED=1",
                $"{Midnight.AddHours(18):HH:mm} SCHEDULED=1",
            ],
            week.Select(Describe));
    }

    [Fact]
    public async Task RunDurations_DeploymentHistory_RunsThatRanAndEndedOldestFirstWithTheirRunTime()
    {
        var clock = new FakeTimeProvider(Midnight);
        await using var server = await TestServer.StartAsync(clock, NoBackgroundSweeps);
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p", "measured");
        var other = await client.DeploymentAsync("p", "other");
        var quick = await client.RunAsync(deployment, at: Midnight, name: "quick");
        var slow = await client.RunAsync(deployment, at: Midnight, name: "slow");
        var elsewhere = await client.RunAsync(other, at: Midnight, name: "elsewhere");
        await CancelAsync(client, (await client.RunAsync(deployment, at: Midnight, name: "never-ran")).Id);
        await client.ClaimAsync("p");

        await client.SetFlowRunStateAsync(quick.Id, new StateProposal(StateType.Running));
        clock.Advance(TimeSpan.FromSeconds(30));
        await client.SetFlowRunStateAsync(quick.Id, new StateProposal(StateType.Completed));
        await client.SetFlowRunStateAsync(slow.Id, new StateProposal(StateType.Running));
        await client.CompleteAsync(elsewhere.Id);
        clock.Advance(TimeSpan.FromSeconds(90));
        await client.SetFlowRunStateAsync(slow.Id, new StateProposal(StateType.Failed, Message: "boom"));

        var deployments = server.Server.Services.GetRequiredService<IDeploymentBackend>();
        var all = await deployments.RunDurationsAsync(deployment.Id, Midnight, Midnight.AddDays(1), 10, CancellationToken.None);
        var latest = await deployments.RunDurationsAsync(deployment.Id, Midnight, Midnight.AddDays(1), 1, CancellationToken.None);
        var before = await deployments.RunDurationsAsync(deployment.Id, Midnight.AddDays(-1), Midnight, 10, CancellationToken.None);

        Assert.Equal([("quick", StateType.Completed, 30.0), ("slow", StateType.Failed, 90.0)], all.Select(run => (run.Name, run.State, run.RunTime.TotalSeconds)));
        Assert.Equal("slow", Assert.Single(latest).Name);
        Assert.Empty(before);
    }

    [Fact]
    public async Task SlotUse_OverlappingAndRunningRuns_PeakAndAverageOfEachBucket()
    {
        var clock = new FakeTimeProvider(Midnight);
        await using var server = await TestServer.StartAsync(clock, NoBackgroundSweeps);
        var client = server.Client;
        await client.PoolAsync("p");
        await client.PoolAsync("other");
        var deployment = await client.DeploymentAsync("p");
        var elsewhere = await client.DeploymentAsync("other", "elsewhere");
        var (a, b, c) = (await client.RunAsync(deployment, at: Midnight), await client.RunAsync(deployment, at: Midnight), await client.RunAsync(deployment, at: Midnight));
        var notThisPool = await client.RunAsync(elsewhere, at: Midnight);
        await client.ClaimAsync("p");
        await client.ClaimAsync("other");

        await client.SetFlowRunStateAsync(a.Id, new StateProposal(StateType.Running));
        await client.SetFlowRunStateAsync(notThisPool.Id, new StateProposal(StateType.Running));
        clock.SetUtcNow(Midnight.AddMinutes(30));
        await client.SetFlowRunStateAsync(b.Id, new StateProposal(StateType.Running));
        clock.SetUtcNow(Midnight.AddMinutes(90));
        await client.SetFlowRunStateAsync(a.Id, new StateProposal(StateType.Completed));
        clock.SetUtcNow(Midnight.AddHours(2));
        await client.SetFlowRunStateAsync(b.Id, new StateProposal(StateType.Completed));
        clock.SetUtcNow(Midnight.AddMinutes(150));
        await client.SetFlowRunStateAsync(c.Id, new StateProposal(StateType.Running));
        clock.SetUtcNow(Midnight.AddMinutes(195));

        var pools = server.Server.Services.GetRequiredService<IWorkPoolBackend>();
        var use = await pools.SlotUseAsync("p", Midnight, Midnight.AddHours(4), TimeSpan.FromHours(1), CancellationToken.None);

        // 00-01: a all hour, b half; 01-02: a half, b all; 02-03: c half; 03-04: c until now (03:15), running.
        Assert.Equal([(0, 2, 1.5), (1, 2, 1.5), (2, 1, 0.5), (3, 1, 0.25)],
            use.Select(bucket => ((int)(bucket.Start - Midnight).TotalHours, bucket.Peak, Math.Round(bucket.Average, 3))));
    }

    [Fact]
    public async Task CountWaiting_PausedPoolAndFutureRuns_CountedByPoolAndReason()
    {
        await using var server = await TestServer.StartAsync(configure: NoBackgroundSweeps);
        var client = server.Client;
        await client.PoolAsync("held");
        await client.PoolAsync("open");
        var held = await client.DeploymentAsync("held", "held");
        var open = await client.DeploymentAsync("open", "open");
        await client.PauseWorkPoolAsync("held");
        await client.RunAsync(held);
        await client.RunAsync(held);
        await client.RunAsync(open, at: TimeProvider.System.GetUtcNow().AddHours(1));

        var waiting = await server.Server.Services.GetRequiredService<IFlowRunBackend>().CountWaitingAsync(CancellationToken.None);

        Assert.Equal([new WaitingRuns("held", "pool_paused", 2), new WaitingRuns("open", "scheduled", 1)], waiting);
    }

    private static string Describe(RunStateBucket bucket) =>
        $"{bucket.Start:HH:mm} " + string.Join(" ", bucket.Counts.OrderBy(pair => pair.Key.ToWireName(), StringComparer.Ordinal).Select(pair => $"{pair.Key.ToWireName()}={pair.Value}"));

    private static async Task CancelAsync(BosunClient client, Guid runId) =>
        Assert.Equal(SetStateStatus.Accept, (await client.SetFlowRunStateAsync(runId, new StateProposal(StateType.Cancelled))).Status);
}
