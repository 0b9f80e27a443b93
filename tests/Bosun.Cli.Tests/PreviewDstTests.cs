using Bosun.Contracts.Deployments;
using Bosun.Testing;

namespace Bosun.Cli.Tests;

/// <summary>`work-pool preview` marks scheduled runs that fall across a daylight-saving change.</summary>
public sealed class PreviewDstTests
{
    [Fact]
    public async Task WorkPoolPreview_ScheduledRunAcrossSpringForward_MarkedDstChange()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 3, 27, 12, 0, 0, TimeSpan.Zero));
        await using var server = await TestServer.StartAsync(clock);
        await server.Client.PoolAsync("dst-pool");
        await server.Client.UpsertDeploymentAsync(new DeploymentUpsert("etl", "daily", "cmd", WorkPoolName: "dst-pool",
            Schedules: [new Contracts.Schedules.ScheduleSpec(Cron: "0 9 * * *", Timezone: "Europe/Berlin")]));
        await Eventually.WaitUntilAsync(async () => (await server.Client.ListFlowRunsAsync(new Contracts.FlowRuns.FlowRunFilter(WorkPoolName: "dst-pool"))).Total >= 3,
            "the scheduler created the runs");
        using var cli = new CliRunner(server.ApiUrl);

        var result = (await cli.RunAsync("work-pool", "preview", "dst-pool", "--hours", "8784")).Succeeded();

        var marked = result.Out.Split('\n').Where(line => line.Contains("DST change", StringComparison.Ordinal)).ToList();
        Assert.Single(marked);
        Assert.Contains("2026-03-29", marked[0], StringComparison.Ordinal);
    }
}
