using System.Globalization;
using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.TaskRuns;
using Bosun.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Ui.Tests;

/// <summary>
/// The pictures (docs/ui.md, "Charts"): each chart's figures for a seeded history, read from its text alternative (the
/// legend and data tables, not pixels); the run page's task timeline, its subflow and parent links, and its resume form.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ChartPageTests(BrowserFixture browser, ITestOutputHelper output)
{
    private static readonly JsonObject ApprovalSchema = JsonNode.Parse("""
        {"type": "object", "properties": {"approved": {"type": "boolean"}, "reviewer": {"type": "string"}}, "required": ["approved", "reviewer"]}
        """)!.AsObject();

    [Fact]
    public async Task Dashboard_SeededHistory_ChartTablesWaitingReasonsAndPoolHealthShowTheCounts()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var client = ui.Client;
        var hour = FloorTo(TimeProvider.System.GetUtcNow(), TimeSpan.FromHours(1));
        await client.PoolAsync("busy");
        await client.PoolAsync("held");
        var busy = await client.DeploymentAsync("busy", "busy");
        var held = await client.DeploymentAsync("held", "held");
        var completed = await client.RunAsync(busy, at: hour.AddHours(-3).AddMinutes(1), name: "completed-run");
        var failed = await client.RunAsync(busy, at: hour.AddHours(-3).AddMinutes(2), name: "failed-run");
        var lastWeek = await client.RunAsync(busy, at: hour.AddHours(-30), name: "last-week-run");
        await client.SetFlowRunStateAsync(lastWeek.Id, new StateProposal(StateType.Cancelled));
        await client.PauseWorkPoolAsync("held");
        await client.RunAsync(held, at: hour.AddHours(-1), name: "held-run");
        await ClaimAsync(client, "busy", completed.Id);
        await client.CompleteAsync(completed.Id);
        await ClaimAsync(client, "busy", failed.Id);
        await client.SetFlowRunStateAsync(failed.Id, new StateProposal(StateType.Running));
        await client.SetFlowRunStateAsync(failed.Id, new StateProposal(StateType.Failed, Message: "boom"));

        await ui.OpenAsync("", "Dashboard");
        await Expect(Legend(ui, "COMPLETED")).ToHaveTextAsync("1");
        await Expect(Legend(ui, "FAILED")).ToHaveTextAsync("1");
        await Expect(Legend(ui, "SCHEDULED")).ToHaveTextAsync("1");
        await Expect(Legend(ui, "CANCELLED")).ToHaveTextAsync("0");
        await page.GetByText("Runs per hour as a table").ClickAsync();
        var runsHour = ui.Row("data-bucket", Iso(hour.AddHours(-3)));
        await Expect(runsHour.Locator("td[data-state=COMPLETED]")).ToHaveTextAsync("1");
        await Expect(runsHour.Locator("td[data-state=FAILED]")).ToHaveTextAsync("1");
        await Expect(runsHour.Locator("td[data-total]")).ToHaveTextAsync("2");
        await Expect(ui.Row("data-bucket", Iso(hour.AddHours(-1))).Locator("td[data-state=SCHEDULED]")).ToHaveTextAsync("1");
        await Expect(page.Locator("table[data-chart-table=runs-by-state] tbody tr")).ToHaveCountAsync(24);
        await Expect(page.Locator("figure[data-chart=runs-by-state] svg[role=img]")).ToHaveAttributeAsync("aria-label", UiSession.Pattern("1 Completed, 1 Failed"));

        var waiting = page.Locator("tr[data-waiting-reason=pool_paused][data-waiting-pool=held]");
        await Expect(waiting.Locator("td.number")).ToHaveTextAsync("1");
        await Expect(waiting.Locator("th")).ToHaveTextAsync("Pool paused");
        await Expect(ui.Row("data-pool", "held")).ToContainTextAsync("Paused");
        await Expect(ui.Row("data-pool", "held").Locator("td[data-waiting]")).ToHaveTextAsync("1");
        await Expect(ui.Row("data-pool", "busy")).ToContainTextAsync("Ready");
        await Expect(ui.Row("data-pool", "busy").Locator("td[data-online]")).ToHaveTextAsync("1");
        await ui.ScreenshotAsync("dashboard-charts");

        // The week: the window is in the address, and the run of yesterday counts.
        await page.GetByRole(AriaRole.Link, new() { Name = "Last 7 days" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"\?window=7d$"));
        await Expect(Legend(ui, "CANCELLED")).ToHaveTextAsync("1");
        await page.GetByText("Runs per 6 hours as a table").ClickAsync();
        await Expect(page.Locator("table[data-chart-table=runs-by-state] tbody tr")).ToHaveCountAsync(28);
        var lastWeekBucket = ui.Row("data-bucket", Iso(FloorTo(hour.AddHours(-30), TimeSpan.FromHours(6))));
        await Expect(lastWeekBucket.Locator("td[data-state=CANCELLED]")).ToHaveTextAsync("1");
        await ui.ScreenshotAsync("dashboard-charts-week");

        await page.GoBackAsync();
        await Expect(page).Not.ToHaveURLAsync(UiSession.Pattern("window=7d"));
        await Expect(Legend(ui, "CANCELLED")).ToHaveTextAsync("0");
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task DeploymentPage_EndedRuns_RunTimesListedAndTheFailureMarked()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var client = ui.Client;
        await client.PoolAsync("proc");
        var deployment = await client.DeploymentAsync("proc", "nightly");
        var good = await client.RunAsync(deployment, name: "good-run");
        var bad = await client.RunAsync(deployment, name: "bad-run");
        await client.RunAsync(deployment, at: TimeProvider.System.GetUtcNow().AddHours(1), name: "future-run");
        await ClaimAsync(client, "proc", good.Id);
        await client.CompleteAsync(good.Id);
        await ClaimAsync(client, "proc", bad.Id);
        await client.SetFlowRunStateAsync(bad.Id, new StateProposal(StateType.Running));
        await client.SetFlowRunStateAsync(bad.Id, new StateProposal(StateType.Failed, Message: "boom"));

        await ui.OpenAsync($"deployments/{deployment.Id}", "flow/nightly");
        var chart = page.Locator("figure[data-chart=run-durations]");
        await Expect(chart.Locator("figcaption p")).ToHaveTextAsync(UiSession.Pattern("^2 ended runs, 1 failed"));
        await chart.GetByText("Run times as a table").ClickAsync();
        var rows = chart.Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(0)).ToHaveAttributeAsync("data-duration-run", "good-run");
        await Expect(rows.Nth(1)).ToHaveAttributeAsync("data-duration-run", "bad-run");
        await Expect(ui.Row("data-duration-run", "good-run")).ToHaveAttributeAsync("data-failed", "false");
        await Expect(ui.Row("data-duration-run", "bad-run")).ToHaveAttributeAsync("data-failed", "true");
        await Expect(ui.Row("data-duration-run", "bad-run").Locator("td[data-state]")).ToHaveTextAsync("✕ Failed");
        await Expect(chart.Locator("svg text.marker")).ToHaveCountAsync(1);
        foreach (var run in new[] { good, bad })
        {
            var stored = await client.GetFlowRunAsync(run.Id);
            var shown = await chart.Locator($"tr[data-duration-run=\"{stored.Name}\"] td[data-run-time-ms]").GetAttributeAsync("data-run-time-ms");
            Assert.InRange(long.Parse(shown!, CultureInfo.InvariantCulture), (long)(stored.TotalRunTimeSeconds * 1000) - 1, (long)(stored.TotalRunTimeSeconds * 1000) + 1);
        }

        await ui.ScreenshotAsync("deployment-run-times");
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task WorkPoolPage_TwoRunsRunning_SlotUseShowsTwoOfTheLimitNow()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var client = ui.Client;
        await client.PoolAsync("limited", limit: 3);
        var deployment = await client.DeploymentAsync("limited", "work");
        var first = await client.RunAsync(deployment);
        var second = await client.RunAsync(deployment);
        await client.ClaimAsync("limited");
        await client.SetFlowRunStateAsync(first.Id, new StateProposal(StateType.Running));
        await client.SetFlowRunStateAsync(second.Id, new StateProposal(StateType.Running));

        await ui.OpenAsync("work-pools/limited", "limited");
        var chart = page.Locator("figure[data-chart=slot-use]");
        await Expect(chart.Locator("figcaption p")).ToHaveTextAsync(UiSession.Pattern("at most 2 in use at once, limit 3"));
        await chart.GetByText("Slot use as a table").ClickAsync();
        await Expect(chart.Locator("tbody tr")).ToHaveCountAsync(24);
        var now = chart.Locator("tbody tr").Last;
        await Expect(now.Locator("td[data-peak]")).ToHaveTextAsync("2");
        await Expect(now.Locator("td").Last).ToHaveTextAsync("3");
        await Expect(chart.Locator("svg text", new() { HasText = "limit 3" })).ToHaveCountAsync(1);
        await ui.ScreenshotAsync("work-pool-slot-use");
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task RunPage_TaskRunsAndASubflow_TimelineInStartOrderAndParentAndChildLinksNavigate()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var client = ui.Client;
        await client.PoolAsync("proc");
        var parent = await client.RunAsync(await client.DeploymentAsync("proc", "etl"), name: "parent-run");
        await ClaimAsync(client, "proc", parent.Id);
        await client.SetFlowRunStateAsync(parent.Id, new StateProposal(StateType.Running));
        var t0 = TimeProvider.System.GetUtcNow().AddMinutes(-1);
        TaskRunReport Report(string name, TaskRunStateType state, double from, double to, int attempts = 1, string? message = null) =>
            new(Guid.NewGuid(), parent.Id, name, 1, state, attempts, t0.AddSeconds(from), t0.AddSeconds(to), message);
        // Reported out of order: the timeline orders by start.
        await client.RecordTaskRunsAsync(
        [
            Report("publish", TaskRunStateType.Failed, 6, 7, message: "publish failed: 503"),
            Report("extract", TaskRunStateType.Completed, 0, 2),
            Report("load", TaskRunStateType.Cached, 5, 5),
            Report("transform", TaskRunStateType.Completed, 2, 5, attempts: 3),
        ]);
        var child = await client.CreateSubflowRunAsync(parent.Id, new SubflowRunCreate("child-flow", Name: "child-run"));

        await ui.OpenAsync(UiTextHref(parent.Id), "parent-run");
        var tasks = page.Locator("table[data-chart-table=task-timeline] tr[data-task]");
        await Expect(tasks).ToHaveCountAsync(4);
        string[] order = ["extract", "transform", "load", "publish"];
        string[] states = ["COMPLETED", "COMPLETED", "CACHED", "FAILED"];
        for (var i = 0; i < order.Length; i++)
        {
            await Expect(tasks.Nth(i)).ToHaveAttributeAsync("data-task", order[i]);
            await Expect(tasks.Nth(i)).ToHaveAttributeAsync("data-task-state", states[i]);
        }

        await Expect(ui.Row("data-task", "transform")).ToContainTextAsync("3 (retried)");
        await Expect(ui.Row("data-task", "load")).ToContainTextAsync("cached result reused");
        await Expect(page.Locator("table[data-chart-table=task-timeline]")).ToContainTextAsync("publish failed: 503");
        await Expect(page.Locator("figure[data-chart=task-timeline] svg text", new() { HasText = "COMPLETED · 3 attempts" })).ToHaveCountAsync(1);
        await ui.ScreenshotAsync("flow-run-tasks");

        await page.GetByRole(AriaRole.Link, new() { Name = "child-run" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "child-run" })).ToBeVisibleAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern($"flow-runs/{child.Id}$"));
        await page.Locator("a[data-parent-run]").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "parent-run" })).ToBeVisibleAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern($"flow-runs/{parent.Id}$"));
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task RunPage_PausedForInput_ResumeFormShowsThe422InPlaceThenResumes()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var client = ui.Client;
        await client.PoolAsync("proc");
        var run = await client.RunAsync(await client.DeploymentAsync("proc", "review"), name: "review-run");
        await ClaimAsync(client, "proc", run.Id);
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        await client.PauseFlowRunAsync(run.Id, new FlowRunPause(ApprovalSchema, 3600));

        await ui.OpenAsync(UiTextHref(run.Id), "review-run");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Resume" })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("approved")).ToHaveAttributeAsync("type", "checkbox");
        await page.GetByRole(AriaRole.Button, new() { Name = "Resume run" }).ClickAsync();

        await Expect(page.Locator("#resume-problem")).ToContainTextAsync("reviewer");
        await Expect(page.Locator("#param-reviewer-error")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("reviewer (required)")).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Equal(StateType.Paused, (await client.GetFlowRunAsync(run.Id)).State.Type);
        await ui.ScreenshotAsync("flow-run-resume-422");

        await page.GetByLabel("approved").CheckAsync();
        await page.GetByLabel("reviewer (required)").FillAsync("ada");
        await page.GetByRole(AriaRole.Button, new() { Name = "Resume run" }).ClickAsync();
        await Expect(page.Locator("[role=status][aria-label='State: Running']")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Resume" })).ToHaveCountAsync(0);
        var resumed = await client.GetFlowRunAsync(run.Id);
        Assert.Equal(StateType.Running, resumed.State.Type);
        Assert.Equal("ada", resumed.ResumeInput!["reviewer"]!.GetValue<string>());
        Assert.True(resumed.ResumeInput!["approved"]!.GetValue<bool>());
        ui.AssertNoBrowserErrors();
    }

    private static ILocator Legend(UiSession ui, string state) => ui.Row("data-state-count", state).Locator("td.number");

    private static string UiTextHref(Guid runId) => $"flow-runs/{runId}";

    private static string Iso(DateTimeOffset time) => time.ToString("o", CultureInfo.InvariantCulture);

    private static DateTimeOffset FloorTo(DateTimeOffset time, TimeSpan step) => new(time.UtcTicks / step.Ticks * step.Ticks, TimeSpan.Zero);

    /// <summary>Claims the pool's oldest due run, which must be <paramref name="expected"/>.</summary>
    private static async Task ClaimAsync(BosunClient client, string pool, Guid expected) =>
        Assert.Equal(expected, Assert.Single((await client.ClaimAsync(pool, max: 1)).Runs).FlowRun.Id);
}
