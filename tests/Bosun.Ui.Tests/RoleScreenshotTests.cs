using Bosun.Contracts.Automations;
using Bosun.Contracts.ConcurrencyLimits;
using Bosun.Contracts.Security;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Ui.Tests;

/// <summary>
/// Each role's view of every main page (issue 20): signed in as an admin, a developer and a viewer, the test keeps a
/// full-page screenshot of each page under artifacts/ui-screenshots/role-ROLE-PAGE.png, and the viewer's pages show no
/// action at all (no button in the page but a search form's, no link styled as a button) where the others' do.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class RoleScreenshotTests(BrowserFixture browser, ITestOutputHelper output)
{
    /// <summary>What a page offers to do: its buttons (a search or filter form's aside) and its button-styled links.</summary>
    private const string Actions = "#main button:not(form[role=search] button), #main a.button";

    [Theory]
    [InlineData(ApiKeyRole.Admin)]
    [InlineData(ApiKeyRole.Developer)]
    [InlineData(ApiKeyRole.Viewer)]
    public async Task EachMainPage_ScreenshotKeptPerRole_AndTheViewerSeesNoActionButton(ApiKeyRole role)
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var admin = await ui.EnableAuthAsync();
        await admin.PoolAsync("proc");
        await admin.SendWorkerHeartbeatAsync("proc", new WorkerHeartbeat("proc-1", "process", 30));
        var deployment = await admin.CommandDeploymentAsync("proc", "nightly", "echo hi");
        var run = await admin.RunAsync(deployment, name: "role-run");
        await admin.CreateConcurrencyLimitAsync(new ConcurrencyLimitCreate("db", 2));
        await admin.CreateAutomationAsync(new AutomationCreate("notify-offline", new AutomationTrigger(AutomationTriggerKind.WorkerOffline),
            [new AutomationAction(AutomationActionKind.Webhook, "https://hooks.example.com/offline")]));
        var key = await ui.CreateKeyAsync("someone", role);

        await page.GotoAsync("");
        await ui.SubmitKeyAsync(key.Key);
        (string Name, string Path, string Heading)[] pages =
        [
            ("dashboard", "", "Dashboard"),
            ("work-pools", "work-pools", "Work pools"),
            ("work-pool", "work-pools/proc", "proc"),
            ("deployments", "deployments", "Deployments"),
            ("deployment", $"deployments/{deployment.Id}", "shell/nightly"),
            ("flow-runs", "flow-runs", "Flow runs"),
            ("flow-run", $"flow-runs/{run.Id}", "role-run"),
            ("workers", "workers", "Workers"),
            ("automations", "automations", "Automations"),
            ("automation", "automations/notify-offline", "notify-offline"),
            ("concurrency-limits", "concurrency-limits", "Concurrency limits"),
            ("search", "search?q=n", "Search"),
        ];
        var roleName = role.ToString().ToLowerInvariant();
        var actionsSeen = 0;
        foreach (var (name, path, heading) in pages)
        {
            await ui.OpenAsync(path, heading);
            await Expect(page.Locator("[aria-busy=true]")).ToHaveCountAsync(0);
            if (role == ApiKeyRole.Viewer)
            {
                await Expect(page.Locator(Actions)).ToHaveCountAsync(0);
            }
            else
            {
                actionsSeen += await page.Locator(Actions).CountAsync();
            }

            await ui.ScreenshotAsync($"role-{roleName}-{name}");
            Assert.True(File.Exists(Path.Combine(UiSession.ScreenshotFolder, $"role-{roleName}-{name}.png")), $"{name}: no screenshot kept");
        }

        // The others are offered actions (run, cancel, create...): the viewer's empty pages are its role, not a broken page.
        Assert.True(role == ApiKeyRole.Viewer || actionsSeen > 0, $"{roleName}: no action on any page");
        ui.AssertNoBrowserErrors();
    }
}
