using System.Globalization;
using System.Net;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Ui.Tests;

/// <summary>
/// The runs list and the pool's queues as someone who lives in the UI uses them (issue 20): bulk cancel and retry, a
/// run deleted, filters in the address with a working back button, queues edited and deleted, times in the reader's
/// zone, the dark theme.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class RunListActionsTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task RunsList_CheckedRunsCancelledThenRetriedInBulk_StatesStored()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("proc");
        var deployment = await ui.Client.CommandDeploymentAsync("proc", "batch", "echo hi");
        var runs = new List<FlowRun>();
        for (var i = 0; i < 3; i++)
        {
            runs.Add(await ui.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate()));
        }

        await ui.OpenAsync("flow-runs", "Flow runs");
        await Expect(page.Locator("tr[data-run]")).ToHaveCountAsync(3);
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Bulk actions" })).ToHaveCountAsync(0);
        await page.GetByLabel($"Select {runs[0].Name}").CheckAsync();
        await page.GetByLabel($"Select {runs[1].Name}").CheckAsync();
        var bar = page.GetByRole(AriaRole.Region, new() { Name = "Bulk actions" });
        await Expect(bar.Locator("[data-selected-count]")).ToHaveTextAsync("2 selected");
        await ui.ScreenshotAsync("flow-runs-bulk-selected");

        // None has started: each is CANCELLED at once; the third is left alone.
        await bar.GetByRole(AriaRole.Button, new() { Name = "Cancel selected" }).ClickAsync();
        await Expect(page.Locator("[data-bulk-outcome]")).ToContainTextAsync("Cancelled 2 of 2 runs.");
        await Expect(ui.Row("data-run", runs[0].Name).Locator(".state")).ToHaveAttributeAsync("data-state", "CANCELLED");
        Assert.Equal(StateType.Cancelled, (await ui.Client.GetFlowRunAsync(runs[0].Id)).State.Type);
        Assert.Equal(StateType.Cancelled, (await ui.Client.GetFlowRunAsync(runs[1].Id)).State.Type);
        Assert.Equal(StateType.Scheduled, (await ui.Client.GetFlowRunAsync(runs[2].Id)).State.Type);

        // Retry: the finished two go back to SCHEDULED; the third, not finished, is named with the reason.
        await page.GetByLabel("Select all runs shown").CheckAsync();
        await Expect(bar.Locator("[data-selected-count]")).ToHaveTextAsync("3 selected");
        await bar.GetByRole(AriaRole.Button, new() { Name = "Retry selected" }).ClickAsync();
        var outcome = page.Locator("[data-bulk-outcome]");
        await Expect(outcome).ToContainTextAsync("Retried 2 of 3 runs.");
        await Expect(outcome).ToContainTextAsync($"{runs[2].Name}: not finished (Scheduled)");
        await Expect(ui.Row("data-run", runs[0].Name).Locator(".state")).ToHaveAttributeAsync("data-state", "SCHEDULED");
        Assert.Equal(StateType.Scheduled, (await ui.Client.GetFlowRunAsync(runs[0].Id)).State.Type);
        Assert.Equal(StateType.Scheduled, (await ui.Client.GetFlowRunAsync(runs[1].Id)).State.Type);
        await Expect(bar).ToHaveCountAsync(0);
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task RunPage_DeleteAskedFirst_RunGoneFromStore()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("proc");
        var deployment = await ui.Client.CommandDeploymentAsync("proc", "batch", "echo hi");
        var run = await ui.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await ui.OpenAsync($"flow-runs/{run.Id}", run.Name);

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete run" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alertdialog)).ToContainTextAsync($"Delete run {run.Name}?");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Yes, delete {run.Name}" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/flow-runs$"));
        await Expect(ui.Row("data-run", run.Name)).ToHaveCountAsync(0);
        var gone = await Assert.ThrowsAsync<BosunApiException>(() => ui.Client.GetFlowRunAsync(run.Id));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task RunFilters_InTheAddress_BackButtonRestoresThem()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("proc");
        var deployment = await ui.Client.CommandDeploymentAsync("proc", "batch", "echo hi");
        var kept = await ui.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var cancelled = await ui.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await ui.Client.CancelFlowRunAsync(cancelled.Id);

        await ui.OpenAsync("flow-runs", "Flow runs");
        await Expect(page.Locator("tr[data-run]")).ToHaveCountAsync(2);
        await page.GetByLabel("State").SelectOptionAsync("CANCELLED");
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/flow-runs\?state=CANCELLED$"));
        await Expect(page.Locator("tr[data-run]")).ToHaveCountAsync(1);
        await Expect(ui.Row("data-run", cancelled.Name)).ToBeVisibleAsync();

        await page.GetByLabel("State").SelectOptionAsync("SCHEDULED");
        await page.GetByLabel("Name contains").FillAsync(kept.Name);
        await Expect(page).ToHaveURLAsync(UiSession.Pattern($@"/flow-runs\?state=SCHEDULED&q={kept.Name}$"));
        await Expect(page.Locator("tr[data-run]")).ToHaveCountAsync(1);
        await Expect(ui.Row("data-run", kept.Name)).ToBeVisibleAsync();

        // Back: the search was typed over one entry, so one step returns to the CANCELLED list, filter and all.
        await page.GoBackAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/flow-runs\?state=CANCELLED$"));
        await Expect(page.GetByLabel("State")).ToHaveValueAsync("CANCELLED");
        await Expect(page.GetByLabel("Name contains")).ToHaveValueAsync("");
        await Expect(page.Locator("tr[data-run]")).ToHaveCountAsync(1);
        await Expect(ui.Row("data-run", cancelled.Name)).ToBeVisibleAsync();

        // The address alone opens the same view (shared link).
        await ui.OpenAsync($"flow-runs?state=SCHEDULED&q={kept.Name}", "Flow runs");
        await Expect(page.GetByLabel("State")).ToHaveValueAsync("SCHEDULED");
        await Expect(page.GetByLabel("Name contains")).ToHaveValueAsync(kept.Name);
        await Expect(page.Locator("tr[data-run]")).ToHaveCountAsync(1);
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task QueueRow_EditPriorityAndLimitThenDelete_Stored()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("ops");
        await ui.Client.CreateWorkQueueAsync("ops", new WorkQueueCreate("batch"));
        await ui.OpenAsync("work-pools/ops", "ops");
        var row = ui.Row("data-queue", "batch");
        await Expect(row.Locator("td[data-label='Priority']")).ToHaveTextAsync("2");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Delete queue default" })).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Button, new() { Name = "Edit queue batch" }).ClickAsync();
        var priority = page.GetByLabel("Priority of queue batch");
        await priority.FillAsync("first");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save queue batch" }).ClickAsync();
        await Expect(page.Locator("#edit-queue-priority-error")).ToContainTextAsync("whole number, 1 or more");
        await Expect(priority).ToHaveAttributeAsync("aria-invalid", "true");

        await priority.FillAsync("1");
        await page.GetByLabel("Concurrency limit of queue batch").FillAsync("4");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save queue batch" }).ClickAsync();
        await Expect(row.Locator("td[data-label='Priority']")).ToHaveTextAsync("1");
        await Expect(row.Locator("td[data-label='Concurrency']")).ToHaveTextAsync("0 / 4");
        await Expect(ui.Row("data-queue", "default").Locator("td[data-label='Priority']")).ToHaveTextAsync("2");
        var edited = await ui.Client.GetWorkQueueAsync("ops", "batch");
        Assert.Equal((1, 4), (edited.Priority, edited.ConcurrencyLimit));
        await ui.ScreenshotAsync("work-pool-queue-edited");

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete queue batch" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, delete batch" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        Assert.Equal(["default"], (await ui.Client.ListWorkQueuesAsync("ops")).Select(queue => queue.Name));
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task Times_OnHover_InTheBrowsersTimeZoneWithUtc()
    {
        await using var ui = await UiSession.StartAsync(browser, output, context: options => options.TimezoneId = "America/New_York");
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("proc");
        var deployment = await ui.Client.CommandDeploymentAsync("proc", "batch", "echo hi");
        var run = await ui.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await ui.OpenAsync("flow-runs", "Flow runs");

        var time = ui.Row("data-run", run.Name).Locator("td[data-label='Expected start'] time");
        await Expect(time).ToHaveTextAsync(UiSession.Pattern(@"(just now|ago|in )"));
        var at = DateTimeOffset.Parse((await time.GetAttributeAsync("datetime"))!, CultureInfo.InvariantCulture);
        var newYork = TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById("America/New_York"));
        var expected = $"{newYork:yyyy-MM-dd HH:mm:ss} {(newYork.Offset == TimeSpan.FromHours(-4) ? "EDT" : "EST")} (America/New_York) · {at.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC";
        await Expect(time).ToHaveAttributeAsync("title", expected);

        // Still so after the live page re-renders the row (a state change).
        await ui.Client.CancelFlowRunAsync(run.Id);
        await Expect(ui.Row("data-run", run.Name).Locator(".state")).ToHaveAttributeAsync("data-state", "CANCELLED");
        await Expect(time).ToHaveAttributeAsync("title", expected);
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task HeaderSearch_FindsPoolsDeploymentsAndRunsByName()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("alpha-pool");
        await ui.Client.PoolAsync("other-pool");
        var alpha = await ui.Client.CommandDeploymentAsync("alpha-pool", "alpha-report", "echo hi");
        await ui.Client.CommandDeploymentAsync("other-pool", "beta-report", "echo hi");
        var run = await ui.Client.CreateFlowRunAsync(alpha.Id, new FlowRunCreate());
        await ui.OpenAsync("work-pools", "Work pools");

        var box = page.GetByRole(AriaRole.Search, new() { Name = "Search everywhere" }).GetByRole(AriaRole.Searchbox);
        await box.FillAsync("ALPHA");
        await box.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/search\?q=ALPHA$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "Search" })).ToBeVisibleAsync();
        await Expect(page.Locator("[data-found-pool]")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-found-pool='alpha-pool']")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-found-deployment]")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-found-deployment='shell/alpha-report']")).ToBeVisibleAsync();
        await ui.ScreenshotAsync("search");

        // A run is found by its own name; the link opens it.
        await ui.OpenAsync($"search?q={run.Name}", "Search");
        await Expect(ui.Row("data-run", run.Name)).ToBeVisibleAsync();
        await ui.Row("data-run", run.Name).GetByRole(AriaRole.Link, new() { Name = run.Name }).ClickAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern($"/flow-runs/{run.Id}$"));
        Assert.Equal(run.Name, (await ui.Client.GetFlowRunAsync(run.Id)).Name);
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task DarkSystemSetting_PagesTurnDark()
    {
        await using var ui = await UiSession.StartAsync(browser, output, context: options => options.ColorScheme = ColorScheme.Dark);
        if (ui is null)
        {
            return;
        }

        await ui.Client.PoolAsync("proc");
        await ui.OpenAsync("work-pools", "Work pools");
        await Expect(ui.Page.Locator("body")).ToHaveCSSAsync("background-color", "rgb(17, 23, 34)");
        await Expect(ui.Page.Locator("body")).ToHaveCSSAsync("color", "rgb(228, 232, 240)");
        await Expect(ui.Row("data-pool", "proc").Locator(".status")).ToHaveTextAsync("Not ready");
        await ui.ScreenshotAsync("work-pools-dark");
        ui.AssertNoBrowserErrors();
    }
}
