using System.Net;
using Bosun.Contracts.Schedules;
using Bosun.Server.Orchestration;
using Bosun.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Server.Tests;

/// <summary>POST /api/schedules/preview: a schedule's next times without a deployment, on a fake clock.</summary>
public sealed class SchedulePreviewTests
{
    private static readonly Action<BosunServerOptions> Quiet = options => options.ServiceInterval = TimeSpan.FromDays(1);

    [Fact]
    public async Task Preview_CronInBerlinAcrossSpringForward_FiveTimesInUtcAndLocalTheChangeMarked()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 26, 12, 0, 0, TimeSpan.Zero));
        await using var server = await TestServer.StartAsync(clock, Quiet);

        var times = await server.Client.PreviewScheduleAsync(new SchedulePreviewRequest(Cron: "0 9 * * *", Timezone: "Europe/Berlin"));

        Assert.Equal(
            [new(2026, 3, 27, 8, 0, 0, TimeSpan.Zero), new(2026, 3, 28, 8, 0, 0, TimeSpan.Zero), new(2026, 3, 29, 7, 0, 0, TimeSpan.Zero),
                new(2026, 3, 30, 7, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 31, 7, 0, 0, TimeSpan.Zero)],
            times.Select(t => t.ScheduledTime));
        Assert.Equal(["2026-03-27 09:00:00 +01:00", "2026-03-28 09:00:00 +01:00", "2026-03-29 09:00:00 +02:00", "2026-03-30 09:00:00 +02:00",
            "2026-03-31 09:00:00 +02:00"], times.Select(t => t.LocalTime));
        Assert.Equal([false, false, true, false, false], times.Select(t => t.DstChange));
        Assert.All(times, t => Assert.Equal(("Europe/Berlin", Guid.Empty), (t.Timezone, t.ScheduleId)));
        Assert.Empty((await server.Client.ListDeploymentsAsync()).Items);
    }

    [Fact]
    public async Task Preview_IntervalAndRRuleWithAnchorAndCount_AnswersThatManyFromTheAnchor()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero));
        await using var server = await TestServer.StartAsync(clock, Quiet);
        var anchor = new DateTimeOffset(2026, 1, 10, 6, 30, 0, TimeSpan.Zero);

        var every = await server.Client.PreviewScheduleAsync(new SchedulePreviewRequest(IntervalSeconds: 3600, Anchor: anchor, Count: 100));
        var weekly = await server.Client.PreviewScheduleAsync(new SchedulePreviewRequest(RRule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0",
            Timezone: "America/New_York", Count: 2));

        Assert.Equal(100, every.Count);
        Assert.Equal(anchor, every[0].ScheduledTime);
        Assert.Equal(anchor.AddHours(99), every[^1].ScheduledTime);
        Assert.Equal(["2026-01-05 09:00:00 -05:00", "2026-01-12 09:00:00 -05:00"], weekly.Select(t => t.LocalTime));
    }

    [Theory]
    [InlineData("every day", null, null, null, "schedule.cron")]
    [InlineData(null, "FREQ=SOMETIMES", null, null, "schedule.rrule")]
    [InlineData(null, "BYHOUR=9", null, null, "schedule.rrule")]
    [InlineData("0 9 * * *", null, "Europe/Atlantis", null, "schedule.timezone")]
    [InlineData("0 9 * * *", null, null, 0, "count")]
    [InlineData("0 9 * * *", null, null, 101, "count")]
    [InlineData(null, null, null, null, "exactly one of cron")]
    public async Task Preview_BadSchedule_422NamingTheField(string? cron, string? rrule, string? timezone, int? count, string field)
    {
        await using var server = await TestServer.StartAsync();

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => server.Client.PreviewScheduleAsync(new SchedulePreviewRequest(Cron: cron, RRule: rrule, Timezone: timezone, Count: count)), field);
    }

    /// <summary>
    /// The same bad schedule is refused naming the same field (schedule.cron, schedule.rrule, schedule.timezone, or
    /// schedule when none or two are given) by POST /api/schedules/preview, by a deployment's schedule preview (the web
    /// UI's, through its backend) and by adding it to a deployment (POST /api/deployments/{id}/schedules).
    /// </summary>
    [Theory]
    [InlineData("every day", null, null, "schedule.cron")]
    [InlineData(null, "FREQ=SOMETIMES", null, "schedule.rrule")]
    [InlineData(null, "BYHOUR=9", null, "schedule.rrule")]
    [InlineData("0 9 * * *", null, "Europe/Atlantis", "schedule.timezone")]
    [InlineData(null, null, null, "schedule")]
    public async Task BadSchedule_StandalonePreviewDeploymentPreviewAndAdd_NameTheSameField(string? cron, string? rrule, string? timezone, string field)
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var deployment = await server.Client.DeploymentAsync("p");
        var spec = new ScheduleSpec(Cron: cron, RRule: rrule, Timezone: timezone);

        var standalone = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => server.Client.PreviewScheduleAsync(new SchedulePreviewRequest(Cron: cron, RRule: rrule, Timezone: timezone)));
        var added = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => server.Client.AddScheduleAsync(deployment.Id, spec));
        var previewed = await Assert.ThrowsAsync<Bosun.Ui.Backend.BackendProblemException>(() =>
            server.Server.Services.GetRequiredService<Bosun.Ui.Backend.IDeploymentBackend>().PreviewScheduleAsync(deployment.Id, spec, 10, default));

        Assert.Equal([field], standalone.Errors.Keys);
        Assert.Equal([field], added.Errors.Keys);
        Assert.Equal([field], previewed.Errors!.Keys);
    }
}
