using Bosun.Contracts.Automations;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Ui.Tests;

/// <summary>
/// The filters of the deployments, automations and workers lists live in the address (issue 20, "URLs for every view and filter"):
/// an address with a query opens the filtered view, a change of filter changes the address, and Back restores the previous one.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AddressFilterTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task DeploymentsList_FiltersInTheAddress_OpenedChangedAndRestoredByBack()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("alpha-pool");
        await ui.Client.PoolAsync("beta-pool");
        await ui.Client.CommandDeploymentAsync("alpha-pool", "nightly-report", "echo hi");
        var paused = await ui.Client.CommandDeploymentAsync("alpha-pool", "nightly-cleanup", "echo hi");
        await ui.Client.PauseDeploymentAsync(paused.Id);
        await ui.Client.CommandDeploymentAsync("beta-pool", "hourly-sync", "echo hi");
        var rows = page.Locator("tr[data-deployment]");

        // A shared address opens the filtered view, its filters shown in the form.
        await ui.OpenAsync("deployments?pool=alpha-pool", "Deployments");
        await Expect(page.GetByLabel("Work pool", new() { Exact = true })).ToHaveValueAsync("alpha-pool");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(ui.Row("data-deployment", "shell/hourly-sync")).ToHaveCountAsync(0);

        // A new filter is a new address (and history entry); typing a name narrows it further in the same entry.
        await page.GetByLabel("Status", new() { Exact = true }).SelectOptionAsync("PAUSED");
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/deployments\?pool=alpha-pool&status=PAUSED$"));
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(ui.Row("data-deployment", "shell/nightly-cleanup")).ToBeVisibleAsync();
        await page.GetByLabel("Status", new() { Exact = true }).SelectOptionAsync("");
        await page.GetByLabel("Name contains").FillAsync("report");
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/deployments\?pool=alpha-pool&q=report$"));
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(ui.Row("data-deployment", "shell/nightly-report")).ToBeVisibleAsync();

        // Back: the name was typed over the status change's entry, so one step returns to the PAUSED view.
        await page.GoBackAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/deployments\?pool=alpha-pool&status=PAUSED$"));
        await Expect(page.GetByLabel("Status", new() { Exact = true })).ToHaveValueAsync("PAUSED");
        await Expect(page.GetByLabel("Name contains")).ToHaveValueAsync("");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(ui.Row("data-deployment", "shell/nightly-cleanup")).ToBeVisibleAsync();

        await page.GoBackAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/deployments\?pool=alpha-pool$"));
        await Expect(rows).ToHaveCountAsync(2);
        Assert.True((await ui.Client.GetDeploymentAsync(paused.Id)).Paused);
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task AutomationsList_FiltersInTheAddress_OpenedChangedAndRestoredByBack()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        foreach (var (name, enabled) in new[] { ("notify-failures", true), ("notify-late", false), ("page-offline", true) })
        {
            await ui.Client.CreateAutomationAsync(new AutomationCreate(name, new AutomationTrigger(AutomationTriggerKind.WorkerOffline),
                [new AutomationAction(AutomationActionKind.Webhook, "https://hooks.example.com/" + name)], Enabled: enabled));
        }

        var rows = page.Locator("tr[data-automation]");
        await ui.OpenAsync("automations?q=notify", "Automations");
        await Expect(page.GetByLabel("Name contains")).ToHaveValueAsync("notify");
        await Expect(rows).ToHaveCountAsync(2);

        await page.GetByLabel("Status", new() { Exact = true }).SelectOptionAsync("paused");
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/automations\?q=notify&status=paused$"));
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(ui.Row("data-automation", "notify-late")).ToBeVisibleAsync();
        Assert.False((await ui.Client.GetAutomationAsync("notify-late")).Enabled);

        await page.GoBackAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/automations\?q=notify$"));
        await Expect(page.GetByLabel("Status", new() { Exact = true })).ToHaveValueAsync("");
        await Expect(rows).ToHaveCountAsync(2);

        await page.GoForwardAsync();
        await Expect(page.GetByLabel("Status", new() { Exact = true })).ToHaveValueAsync("paused");
        await Expect(rows).ToHaveCountAsync(1);
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task WorkersPage_PoolFilterInTheAddress_OpenedChangedAndRestoredByBack()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("east");
        await ui.Client.PoolAsync("west");
        await ui.Client.SendWorkerHeartbeatAsync("east", new WorkerHeartbeat("east-1", "process", 30));
        await ui.Client.SendWorkerHeartbeatAsync("west", new WorkerHeartbeat("west-1", "process", 30));
        await ui.Client.SendWorkerHeartbeatAsync("west", new WorkerHeartbeat("west-2", "process", 30));
        var rows = page.Locator("tr[data-worker]");

        await ui.OpenAsync("workers?pool=west", "Workers");
        await Expect(page.GetByLabel("Work pool", new() { Exact = true })).ToHaveValueAsync("west");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(page.Locator("tr[data-pool='east']")).ToHaveCountAsync(0);

        await page.GetByLabel("Work pool", new() { Exact = true }).SelectOptionAsync("east");
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/workers\?pool=east$"));
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(ui.Row("data-worker", "east-1")).ToBeVisibleAsync();

        await page.GoBackAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/workers\?pool=west$"));
        await Expect(page.GetByLabel("Work pool", new() { Exact = true })).ToHaveValueAsync("west");
        await Expect(rows).ToHaveCountAsync(2);
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task WorkersPage_StatusFilterInTheAddress_OpenedChangedCombinedAndRestoredByBack()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("east");
        await ui.Client.PoolAsync("west");
        // A 1 s heartbeat interval: three missed beats (3 s) and the worker is OFFLINE; the others beat every 30 s.
        await ui.Client.SendWorkerHeartbeatAsync("east", new WorkerHeartbeat("east-gone", "process", 1));
        await Eventually.WaitUntilAsync(async () => (await ui.Client.ListWorkersAsync("east")).Single().Status == WorkerStatus.Offline,
            "east-gone offline", TimeSpan.FromSeconds(60));
        await ui.Client.SendWorkerHeartbeatAsync("east", new WorkerHeartbeat("east-1", "process", 30));
        await ui.Client.SendWorkerHeartbeatAsync("west", new WorkerHeartbeat("west-1", "process", 30));
        var rows = page.Locator("tr[data-worker]");
        var status = page.GetByLabel("Status", new() { Exact = true });

        await ui.OpenAsync("workers?status=OFFLINE", "Workers");
        await Expect(status).ToHaveValueAsync("OFFLINE");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(ui.Row("data-worker", "east-gone")).ToContainTextAsync("Offline");

        await status.SelectOptionAsync("ONLINE");
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/workers\?status=ONLINE$"));
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(ui.Row("data-worker", "east-gone")).ToHaveCountAsync(0);

        // Combined with the pool: both in the address, each choice an entry of its own.
        await page.GetByLabel("Work pool", new() { Exact = true }).SelectOptionAsync("east");
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/workers\?status=ONLINE&pool=east$|/workers\?pool=east&status=ONLINE$"));
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(ui.Row("data-worker", "east-1")).ToBeVisibleAsync();

        await page.GoBackAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/workers\?status=ONLINE$"));
        await Expect(page.GetByLabel("Work pool", new() { Exact = true })).ToHaveValueAsync("");
        await Expect(rows).ToHaveCountAsync(2);

        await page.GoBackAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/workers\?status=OFFLINE$"));
        await Expect(status).ToHaveValueAsync("OFFLINE");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(ui.Row("data-worker", "east-gone")).ToBeVisibleAsync();
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task DeploymentsList_ServedAndTagFiltersInTheAddress_MatchedOnTheServerAndRestoredByBack()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("alpha-pool");
        await ui.Client.UpsertDeploymentAsync(new Contracts.Deployments.DeploymentUpsert("shell", "on-pool", "echo hi", WorkPoolName: "alpha-pool", Tags: ["Nightly"]));
        await ui.Client.UpsertDeploymentAsync(new Contracts.Deployments.DeploymentUpsert("shell", "served-nightly", "echo hi", Tags: ["nightly"]));
        await ui.Client.UpsertDeploymentAsync(new Contracts.Deployments.DeploymentUpsert("shell", "served-hourly", "echo hi", Tags: ["hourly"]));
        var rows = page.Locator("tr[data-deployment]");
        var pool = page.GetByLabel("Work pool", new() { Exact = true });

        // ?pool=- is the served deployments (no pool).
        await ui.OpenAsync("deployments?pool=-", "Deployments");
        await Expect(pool).ToHaveValueAsync("-");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(ui.Row("data-deployment", "shell/on-pool")).ToHaveCountAsync(0);
        await Expect(page.Locator("p[aria-live]")).ToHaveTextAsync("2 deployments match.");

        // A tag (whole, any case) narrows it: a new entry.
        var tag = page.GetByLabel("Tag", new() { Exact = true });
        await tag.FillAsync("NIGHTLY");
        await tag.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/deployments\?pool=-&tag=NIGHTLY$"));
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(ui.Row("data-deployment", "shell/served-nightly")).ToBeVisibleAsync();

        // Every pool: the tag matches the pool's deployment too.
        await pool.SelectOptionAsync("");
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/deployments\?tag=NIGHTLY$"));
        await Expect(rows).ToHaveCountAsync(2);

        await page.GoBackAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/deployments\?pool=-&tag=NIGHTLY$"));
        await Expect(pool).ToHaveValueAsync("-");
        await Expect(rows).ToHaveCountAsync(1);
        await page.GoBackAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/deployments\?pool=-$"));
        await Expect(tag).ToHaveValueAsync("");
        await Expect(rows).ToHaveCountAsync(2);
        ui.AssertNoBrowserErrors();
    }
}
