using Bosun.Contracts.FlowRuns;
using Bosun.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Ui.Tests;

/// <summary>The dashboard and the runs list, both updating in place; the layout in a narrow window and from the keyboard.</summary>
[Collection(BrowserCollection.Name)]
public sealed class OverviewPageTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task Dashboard_RunsByStateLateRunsAndPoolsNotReady_CountsUpdateLive()
    {
        await using var ui = await UiSession.StartAsync(browser, output, options => options.ServiceInterval = TimeSpan.FromMilliseconds(200));
        if (ui is null)
        {
            return;
        }

        var client = ui.Client;
        await client.PoolAsync("idle-pool");
        await client.PoolAsync("busy-pool");
        var idle = await client.DeploymentAsync("idle-pool", "idle");
        var busy = await client.DeploymentAsync("busy-pool", "busy");
        var late = await client.RunAsync(idle, at: TimeProvider.System.GetUtcNow().AddMinutes(-1), name: "late-run");
        var done = await client.RunAsync(busy, name: "done-run");
        await client.ClaimAsync("busy-pool");
        await client.CompleteAsync(done.Id);
        await Eventually.WaitUntilAsync(async () => (await client.GetFlowRunAsync(late.Id)).State.Name == "Late", "the late-run service marked the run Late");

        await ui.OpenAsync("", "Dashboard");
        await Expect(ui.Row("data-state-count", "COMPLETED").Locator("td.number")).ToHaveTextAsync("1");
        await Expect(ui.Row("data-state-count", "SCHEDULED").Locator("td.number")).ToHaveTextAsync("1");
        await Expect(ui.Row("data-state-count", "FAILED").Locator("td.number")).ToHaveTextAsync("0");
        await Expect(ui.Page.Locator("[data-late-runs]")).ToContainTextAsync("late-run");
        await Expect(ui.Row("data-pool", "idle-pool").Locator("[data-status]")).ToHaveTextAsync("Not ready");
        await Expect(ui.Row("data-pool", "idle-pool")).ToContainTextAsync("bosun worker start --pool idle-pool");
        await Expect(ui.Row("data-pool", "busy-pool").Locator("[data-status]")).ToHaveTextAsync("Ready");
        await ui.MarkDocumentAsync();

        var second = await client.RunAsync(busy, name: "second-run");
        await client.ClaimAsync("busy-pool");
        await client.CompleteAsync(second.Id);
        await Expect(ui.Row("data-state-count", "COMPLETED").Locator("td.number")).ToHaveTextAsync("2");
        await ui.AssertNotReloadedAsync();
        await ui.ScreenshotAsync("dashboard");
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task FlowRunsPage_SearchAndStateFilter_ListUpdatesLive()
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
        var alpha = await client.RunAsync(deployment, name: "alpha-run");
        await client.RunAsync(deployment, name: "beta-run");

        await ui.OpenAsync("flow-runs", "Flow runs");
        await Expect(ui.Row("data-run", "alpha-run")).ToBeVisibleAsync();
        await Expect(ui.Row("data-run", "beta-run")).ToBeVisibleAsync();
        await ui.ScreenshotAsync("flow-runs");

        await page.GetByLabel("Name contains").FillAsync("alpha");
        await Expect(ui.Row("data-run", "beta-run")).ToHaveCountAsync(0);
        await Expect(ui.Row("data-run", "alpha-run")).ToBeVisibleAsync();

        await page.GetByLabel("State").SelectOptionAsync("COMPLETED");
        await Expect(page.GetByText("No run matches.")).ToBeVisibleAsync();
        await ui.MarkDocumentAsync();

        // The run completes elsewhere; the filtered list picks it up without a reload.
        await client.ClaimAsync("proc");
        await client.CompleteAsync(alpha.Id);
        await Expect(ui.Row("data-run", "alpha-run").Locator(".state")).ToHaveTextAsync("Completed");
        await Expect(ui.Row("data-run", "beta-run")).ToHaveCountAsync(0);
        await ui.AssertNotReloadedAsync();
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task Pages_NarrowWindowAndKeyboard_NoSidewaysScrollFocusOnHeadingAndSkipLink()
    {
        await using var ui = await UiSession.StartAsync(browser, output, width: 390, height: 844);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var client = ui.Client;
        await client.PoolAsync("a-pool-with-a-rather-long-name-for-a-phone");
        var deployment = await client.DeploymentAsync("a-pool-with-a-rather-long-name-for-a-phone", "report");
        var run = await client.RunAsync(deployment, name: "narrow-run");

        var pages = new (string Path, string Heading, string Screenshot)[]
        {
            ("", "Dashboard", "narrow-dashboard"),
            ("work-pools", "Work pools", "narrow-work-pools"),
            ("work-pools/a-pool-with-a-rather-long-name-for-a-phone", "a-pool-with-a-rather-long-name-for-a-phone", "narrow-work-pool"),
            ("deployments", "Deployments", "narrow-deployments"),
            ($"deployments/{deployment.Id}/run", "Run flow/report", "narrow-deployment-run"),
            ("flow-runs", "Flow runs", "narrow-flow-runs"),
            ($"flow-runs/{run.Id}", "narrow-run", "narrow-flow-run"),
        };
        foreach (var (path, heading, screenshot) in pages)
        {
            await ui.OpenAsync(path, heading);
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            Assert.True(overflow <= 0, $"/{path} is {overflow} px wider than a 390 px window");
            await ui.ScreenshotAsync(screenshot);
        }

        // Keyboard: a navigation moves focus to the new page's heading (screen readers announce it); the skip link is the
        // first focusable element, jumps to the content without leaving the page, and Tab goes on from there.
        await ui.OpenAsync("work-pools", "Work pools");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeFocusedAsync();
        Assert.Equal("Skip to content", await page.EvaluateAsync<string>(
            "() => document.querySelector('a[href], button, input, select, textarea, [tabindex]:not([tabindex=\"-1\"])').textContent"));
        var skip = page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" });
        await skip.FocusAsync();
        await Expect(skip).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("main")).ToBeFocusedAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/work-pools$"));
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Create work pool" })).ToBeFocusedAsync();
        ui.AssertNoBrowserErrors();
    }
}
