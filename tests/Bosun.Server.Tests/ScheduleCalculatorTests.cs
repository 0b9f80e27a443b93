using Bosun.Contracts.Schedules;
using Bosun.Server.Domain;
using Bosun.Server.Orchestration.Scheduling;

namespace Bosun.Server.Tests;

/// <summary>When schedules fire: the spec's window, cron across DST, wall-clock intervals, rrules, validation.</summary>
public sealed class ScheduleCalculatorTests
{
    private static readonly DateTimeOffset Noon = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);

    private static ScheduleDefinition Define(ScheduleSpec spec, DateTimeOffset? now = null) =>
        ScheduleCalculator.Validate(spec, Guid.NewGuid(), now ?? Noon, "schedule", TimeSpan.FromSeconds(1));

    [Theory]
    [InlineData("* * * * *", 60)]
    [InlineData("*/5 * * * *", 12)]
    [InlineData("0 * * * *", 3)]
    public void Window_Cron_AtLeastThreeRunsAndAnHour(string cron, int expected)
    {
        var times = ScheduleCalculator.Window(Define(new ScheduleSpec(Cron: cron)), Noon);

        Assert.Equal(expected, times.Count);
        Assert.True(times[^1] >= Noon.AddHours(1));
        Assert.All(times, t => Assert.True(t > Noon));
    }

    [Fact]
    public void Window_EverySixtyDays_StopsAtOneHundredDays()
    {
        var times = ScheduleCalculator.Window(Define(new ScheduleSpec(IntervalSeconds: TimeSpan.FromDays(60).TotalSeconds, Anchor: Noon)), Noon);

        Assert.Equal([Noon.AddDays(60)], times);
    }

    [Fact]
    public void Window_EverySecond_AtMostOneHundredRuns()
    {
        Assert.Equal(100, ScheduleCalculator.Window(Define(new ScheduleSpec(IntervalSeconds: 1, Anchor: Noon)), Noon).Count);
    }

    [Theory]
    [InlineData("Europe/Berlin", 2026, 3, 29)]
    [InlineData("Europe/Berlin", 2026, 10, 25)]
    [InlineData("America/New_York", 2026, 3, 8)]
    [InlineData("America/New_York", 2026, 11, 1)]
    public void Cron_DailyAtTwoThirtyAcrossDst_OncePerDayNeverTwiceNoneMissing(string zone, int year, int month, int day)
    {
        var tz = TimeZoneInfo.FindSystemTimeZoneById(zone);
        var start = new DateTimeOffset(year, month, day, 0, 0, 0, TimeSpan.Zero).AddDays(-3);
        var times = ScheduleCalculator.Occurrences(Define(new ScheduleSpec(Cron: "30 2 * * *", Timezone: zone), start), start).Take(7).ToList();

        var localDays = times.Select(t => TimeZoneInfo.ConvertTime(t, tz).Date).ToList();
        Assert.Equal(localDays.Distinct().Count(), localDays.Count);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => localDays[0].AddDays(i)), localDays);
        Assert.Contains(new DateTime(year, month, day), localDays);
        Assert.Equal(times.Order(), times);
    }

    [Theory]
    [InlineData("Europe/Berlin", 2026, 3, 29, 23)]
    [InlineData("Europe/Berlin", 2026, 10, 25, 25)]
    [InlineData("America/New_York", 2026, 3, 8, 23)]
    [InlineData("America/New_York", 2026, 11, 1, 25)]
    public void Cron_HourlyOnDstDay_OneRunPerRealHour(string zone, int year, int month, int day, int expected)
    {
        var tz = TimeZoneInfo.FindSystemTimeZoneById(zone);
        var localMidnight = new DateTime(year, month, day);
        var from = new DateTimeOffset(localMidnight, tz.GetUtcOffset(localMidnight)).AddSeconds(-1);
        var to = new DateTimeOffset(localMidnight.AddDays(1), tz.GetUtcOffset(localMidnight.AddDays(1))).AddSeconds(-1);

        var times = ScheduleCalculator.Between(Define(new ScheduleSpec(Cron: "0 * * * *", Timezone: zone), from), from, to, 1000);

        Assert.Equal(expected, times.Count);
        Assert.All(times.Zip(times.Skip(1)), pair => Assert.Equal(TimeSpan.FromHours(1), pair.Second - pair.First));
    }

    [Fact]
    public void Interval_TwentyFourHours_KeepsWallClockAcrossDst()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var anchor = new DateTimeOffset(2026, 3, 27, 9, 0, 0, TimeSpan.FromHours(1));
        var schedule = Define(new ScheduleSpec(IntervalSeconds: 86_400, Anchor: anchor, Timezone: "Europe/Berlin"), anchor);

        var times = ScheduleCalculator.Occurrences(schedule, anchor).Take(4).ToList();

        Assert.All(times, t => Assert.Equal(new TimeSpan(9, 0, 0), TimeZoneInfo.ConvertTime(t, berlin).TimeOfDay));
        Assert.Equal(TimeSpan.FromHours(23), times[1] - times[0]);
        Assert.Equal(TimeSpan.FromHours(24), times[2] - times[1]);
    }

    [Fact]
    public void Interval_OneHour_AbsoluteAcrossDst()
    {
        var anchor = new DateTimeOffset(2026, 3, 28, 22, 0, 0, TimeSpan.Zero);
        var times = ScheduleCalculator.Occurrences(Define(new ScheduleSpec(IntervalSeconds: 3600, Anchor: anchor, Timezone: "Europe/Berlin"), anchor), anchor).Take(6).ToList();

        Assert.All(times.Zip(times.Skip(1)), pair => Assert.Equal(TimeSpan.FromHours(1), pair.Second - pair.First));
    }

    [Fact]
    public void RRule_WeeklyMondayWednesdayAtNine_InZone()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var anchor = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.FromHours(1));
        var schedule = Define(new ScheduleSpec(RRule: "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0", Anchor: anchor, Timezone: "Europe/Berlin"), anchor);

        var local = ScheduleCalculator.Occurrences(schedule, anchor).Take(4).Select(t => TimeZoneInfo.ConvertTime(t, berlin).DateTime).ToList();

        Assert.Equal([new DateTime(2026, 1, 5, 9, 0, 0), new DateTime(2026, 1, 7, 9, 0, 0), new DateTime(2026, 1, 12, 9, 0, 0), new DateTime(2026, 1, 14, 9, 0, 0)], local);
    }

    [Fact]
    public void RRule_CountAndUntil_AreFinite()
    {
        var anchor = new DateTimeOffset(2026, 1, 1, 6, 0, 0, TimeSpan.Zero);

        var counted = ScheduleCalculator.Occurrences(Define(new ScheduleSpec(RRule: "FREQ=DAILY;INTERVAL=2;COUNT=3", Anchor: anchor), anchor), anchor.AddSeconds(-1)).ToList();
        var until = ScheduleCalculator.Occurrences(Define(new ScheduleSpec(RRule: "FREQ=MONTHLY;BYMONTHDAY=1;UNTIL=20260401T000000Z", Anchor: anchor), anchor), anchor.AddSeconds(-1)).ToList();

        Assert.Equal([anchor, anchor.AddDays(2), anchor.AddDays(4)], counted);
        Assert.Equal([1, 2, 3], until.Select(t => t.Month));
    }

    [Theory]
    [InlineData("schedule.cron", "61 * * * *", null, null, null)]
    [InlineData("schedule.interval_seconds", null, 0.0, null, null)]
    [InlineData("schedule.interval_seconds", null, -5.0, null, null)]
    [InlineData("schedule.rrule", null, null, "FREQ=SOMETIMES", null)]
    [InlineData("schedule.rrule", null, null, "BYDAY=MO", null)]
    [InlineData("schedule.timezone", "0 9 * * *", null, null, "Mars/Olympus")]
    [InlineData("schedule", "0 9 * * *", 60.0, null, null)]
    public void Validate_BadSchedule_422NamingTheField(string field, string? cron, double? interval, string? rrule, string? timezone)
    {
        var error = Assert.Throws<ValidationException>(() => Define(new ScheduleSpec(cron, interval, RRule: rrule, Timezone: timezone)));

        Assert.Equal(field, Assert.Single(error.Errors!).Key);
        Assert.StartsWith(field, error.Message, StringComparison.Ordinal);
    }
}
