using Bosun.Contracts.Deployments;
using Bosun.Testing;

namespace Bosun.Cli.Tests;

/// <summary>`bosun deployment schedule ...` and the schedules in `deployment inspect`.</summary>
public sealed class ScheduleCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly CliRunner _cli = fixture.NewCli();

    public void Dispose() => _cli.Dispose();

    private async Task<Deployment> DeploymentAsync()
    {
        var pool = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(pool);
        return await fixture.Client.UpsertDeploymentAsync(new DeploymentUpsert(ServerFixture.Unique("etl"), "nightly", "cmd", WorkPoolName: pool));
    }

    [Fact]
    public async Task AddLsPauseResumeDelete_RoundTrip()
    {
        var deployment = await DeploymentAsync();

        var added = (await _cli.RunAsync("deployment", "schedule", "add", deployment.FullName, "--cron", "0 2 * * *", "--timezone", "Europe/Berlin")).Succeeded();
        Assert.Contains("Next runs", added.Out, StringComparison.Ordinal);
        var schedule = Assert.Single(await fixture.Client.ListSchedulesAsync(deployment.Id));
        Assert.Equal(("cron", "0 2 * * *", "Europe/Berlin"), (schedule.Kind, schedule.Cron, schedule.Timezone));

        var json = (await _cli.RunAsync("deployment", "schedule", "ls", deployment.FullName, "--output", "json")).Json();
        Assert.Equal(schedule.Id, Assert.Single(json.EnumerateArray()).GetProperty("id").GetGuid());

        (await _cli.RunAsync("deployment", "schedule", "pause", deployment.FullName, schedule.Id.ToString())).Succeeded();
        Assert.False(Assert.Single(await fixture.Client.ListSchedulesAsync(deployment.Id)).Active);
        (await _cli.RunAsync("deployment", "schedule", "resume", deployment.FullName, schedule.Id.ToString())).Succeeded();
        Assert.True(Assert.Single(await fixture.Client.ListSchedulesAsync(deployment.Id)).Active);

        var inspect = (await _cli.RunAsync("deployment", "inspect", deployment.FullName)).Succeeded();
        Assert.Contains("cron 0 2 * * * (Europe/Berlin)", inspect.Out, StringComparison.Ordinal);

        (await _cli.RunAsync("deployment", "schedule", "delete", deployment.FullName, schedule.Id.ToString())).Succeeded();
        Assert.Empty(await fixture.Client.ListSchedulesAsync(deployment.Id));
    }

    [Fact]
    public async Task Add_IntervalAsDuration_StoredInSeconds()
    {
        var deployment = await DeploymentAsync();

        (await _cli.RunAsync("deployment", "schedule", "add", deployment.FullName, "--interval", "15m")).Succeeded();

        Assert.Equal(900, Assert.Single(await fixture.Client.ListSchedulesAsync(deployment.Id)).IntervalSeconds);
    }

    [Fact]
    public async Task Add_BadCron_OneLineErrorNamingTheField()
    {
        var deployment = await DeploymentAsync();

        var result = await _cli.RunAsync("deployment", "schedule", "add", deployment.FullName, "--cron", "every day");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("schedule.cron", result.Err, StringComparison.Ordinal);
        Assert.Single(result.Err.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("--interval", "abc", "--interval 'abc' is not a duration")]
    [InlineData("--interval", "NaN", "--interval 'NaN' is not a duration")]
    [InlineData("--interval", "0.0001", "interval_seconds")]
    [InlineData("--interval", "0.5s", "at least 1 s")]
    [InlineData("--anchor", "someday", "--anchor 'someday' is not a time")]
    public async Task Add_BadInterval_ErrorNamesTheOptionNothingSaved(string option, string value, string says)
    {
        var deployment = await DeploymentAsync();
        var args = option == "--interval"
            ? new[] { "deployment", "schedule", "add", deployment.FullName, option, value }
            : ["deployment", "schedule", "add", deployment.FullName, "--interval", "60", option, value];

        var result = (await _cli.RunAsync(args)).FailedWith(says);

        Assert.DoesNotContain("please report", result.Err, StringComparison.Ordinal);
        Assert.Empty(await fixture.Client.ListSchedulesAsync(deployment.Id));
    }

    [Fact]
    public async Task Add_EmptyTimeZone_RefusedNothingSaved()
    {
        var deployment = await DeploymentAsync();

        (await _cli.RunAsync("deployment", "schedule", "add", deployment.FullName, "--interval", "60", "--tz", "")).FailedWith("timezone", "must not be empty");

        Assert.Empty(await fixture.Client.ListSchedulesAsync(deployment.Id));
    }

    [Fact]
    public async Task Preview_WeekdayCronInBerlin_TableOfFiveTimesAtNineLocal()
    {
        var result = (await _cli.RunAsync("deployment", "schedule", "preview", "--cron", "0 9 * * 1-5", "--timezone", "Europe/Berlin", "--count", "5")).Succeeded();

        Assert.Contains("Next runs", result.Out, StringComparison.Ordinal);
        var rows = result.Out.Split('\n').Where(line => line.Contains(" 09:00:00 +0", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, rows.Count);
        Assert.All(rows, row => Assert.Matches(@"\d{4}-\d{2}-\d{2} 0[78]:00:00Z", row));
    }

    [Fact]
    public async Task Preview_DailyIntervalAcrossSpringForward_JsonKeepsNineLocalAndMarksTheChange()
    {
        var json = (await _cli.RunAsync("deployment", "schedule", "preview", "--interval", "1d", "--anchor", "2030-03-29T09:00:00+01:00", "--tz", "Europe/Berlin",
            "-n", "4", "--output", "json")).Json();

        var times = json.EnumerateArray().ToList();
        Assert.Equal(["2030-03-29T08:00:00+00:00", "2030-03-30T08:00:00+00:00", "2030-03-31T07:00:00+00:00", "2030-04-01T07:00:00+00:00"],
            times.Select(t => t.GetProperty("scheduled_time").GetDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal([false, false, true, false], times.Select(t => t.GetProperty("dst_change").GetBoolean()));
        Assert.All(times, t => Assert.Contains(" 09:00:00 ", t.GetProperty("local_time").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Preview_BadCron_OneLineErrorNamingTheFieldNonZeroExit()
    {
        var result = (await _cli.RunAsync("deployment", "schedule", "preview", "--cron", "every day")).FailedWith("cron", "'every day' is not a 5-field cron expression");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Empty(result.Out);
    }
}
