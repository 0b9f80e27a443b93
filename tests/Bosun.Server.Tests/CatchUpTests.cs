using Bosun.Contracts.Schedules;
using Bosun.Server.Domain;

namespace Bosun.Server.Tests;

/// <summary>The one catch-up rule (docs/behaviour.md §8.3) as tables: what the scheduler plans, and what a claim skips.</summary>
public sealed class CatchUpTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset MissedBefore = Now.AddSeconds(-10);

    /// <summary>Slots every 10 s from <paramref name="fromAgo"/> to <paramref name="toAgo"/> seconds ago.</summary>
    private static List<DateTimeOffset> Slots(int fromAgo, int toAgo) =>
        Enumerable.Range(0, ((fromAgo - toAgo) / 10) + 1).Select(i => Now.AddSeconds(-fromAgo + (10 * i))).ToList();

    private static List<(Guid Id, DateTimeOffset Due)> Runs(params int[] dueAgo) => dueAgo.Select(ago => (Guid.NewGuid(), Now.AddSeconds(-ago))).ToList();

    [Fact]
    public void Plan_AllAfterNeverCreatedSlots_MakesEveryOneOnce()
    {
        var plan = CatchUp.Plan(CatchUpPolicy.All, Slots(600, 0), [], MissedBefore, budget: 1000);

        Assert.Equal(Slots(600, 0), plan.Create);
        Assert.Empty(plan.SkipRuns);
        Assert.Equal(0, plan.SkippedSlotCount);
        Assert.Equal(Now, plan.HandledUntil);
    }

    [Fact]
    public void Plan_AllOverBudget_MakesTheEarliestAndGoesOnNextTime()
    {
        var plan = CatchUp.Plan(CatchUpPolicy.All, Slots(600, 0), [], MissedBefore, budget: 5);

        Assert.Equal(Slots(600, 560), plan.Create);
        Assert.Equal(Now.AddSeconds(-560), plan.HandledUntil);
    }

    [Fact]
    public void Plan_LatestNeverCreatedSlots_MakesTheLatestMissedAndTheOnesWithinGrace()
    {
        var plan = CatchUp.Plan(CatchUpPolicy.Latest, Slots(600, 0), [], MissedBefore, budget: 1000);

        // 600..20 s ago are missed (more than 10 s late): only 20 s ago is made; 10 s ago is exactly the grace, and now.
        Assert.Equal([Now.AddSeconds(-20), Now.AddSeconds(-10), Now], plan.Create);
        Assert.Equal(58, plan.SkippedSlotCount);
        Assert.Equal(Slots(600, 30).TakeLast(CatchUp.RecordedPerPlan), plan.SkipSlots);
    }

    [Fact]
    public void Plan_LatestWaitingRunsOnly_SkipsAllButTheLatestMissed()
    {
        var runs = Runs(50, 40, 30, 20);

        var plan = CatchUp.Plan(CatchUpPolicy.Latest, [], runs, MissedBefore, budget: 1000);

        Assert.Equal(runs.Take(3).Select(r => r.Id), plan.SkipRuns);
        Assert.Empty(plan.Create);
    }

    [Fact]
    public void Plan_LatestSlotNewerThanEveryWaitingRun_SkipsTheRunsAndMakesTheSlot()
    {
        var runs = Runs(300, 200);

        var plan = CatchUp.Plan(CatchUpPolicy.Latest, Slots(100, 30), runs, MissedBefore, budget: 1000);

        Assert.Equal(runs.Select(r => r.Id), plan.SkipRuns);
        Assert.Equal([Now.AddSeconds(-30)], plan.Create);
        Assert.Equal(7, plan.SkippedSlotCount);
    }

    [Fact]
    public void Plan_LatestWhenALaterSlotAlreadyStarted_SkipsEveryMissedRun()
    {
        var runs = Runs(300, 200);

        var plan = CatchUp.Plan(CatchUpPolicy.Latest, [], runs, MissedBefore, budget: 1000, latestStarted: Now.AddSeconds(-100));

        Assert.Equal(runs.Select(r => r.Id), plan.SkipRuns);
    }

    [Fact]
    public void Plan_SkipEverythingMissed_MakesOnlyTheSlotsWithinGrace()
    {
        var runs = Runs(300, 200);

        var plan = CatchUp.Plan(CatchUpPolicy.Skip, Slots(100, 0), runs, MissedBefore, budget: 1000);

        Assert.Equal(runs.Select(r => r.Id), plan.SkipRuns);
        Assert.Equal([Now.AddSeconds(-10), Now], plan.Create);
        Assert.Equal(9, plan.SkippedSlotCount);
    }

    [Theory]
    [InlineData(CatchUpPolicy.All, 600, 600, 0, false)]
    [InlineData(CatchUpPolicy.Skip, 11, 11, 0, true)]
    [InlineData(CatchUpPolicy.Skip, 9, 30, 0, false)]
    [InlineData(CatchUpPolicy.Latest, 30, 30, 0, true)]
    [InlineData(CatchUpPolicy.Latest, 5, 30, 0, true)]
    [InlineData(CatchUpPolicy.Latest, 0, 30, 0, false)]
    [InlineData(CatchUpPolicy.Latest, 30, 30, 30, false)]
    [InlineData(CatchUpPolicy.Latest, 5, 9, 0, false)]
    [InlineData(CatchUpPolicy.Latest, 100, 100, 5, true)]
    public void SkipsAtClaim_Table(CatchUpPolicy policy, int dueAgo, int earliestWaitingAgo, int latestDueAgo, bool skipped)
    {
        Assert.Equal(skipped, CatchUp.SkipsAtClaim(policy, Now.AddSeconds(-dueAgo), Now.AddSeconds(-earliestWaitingAgo), Now.AddSeconds(-latestDueAgo), MissedBefore));
    }
}
