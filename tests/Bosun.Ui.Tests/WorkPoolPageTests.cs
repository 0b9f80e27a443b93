using Bosun.Contracts.WorkPools;
using Bosun.Testing;
using Bosun.Worker;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Ui.Tests;

/// <summary>The tutorial's UI steps (steps 2 and 3): a new pool is Not ready in red; a worker starts; the pool turns Ready.</summary>
[Collection(BrowserCollection.Name)]
public sealed class WorkPoolPageTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task CreatePoolForm_DockerTypePicked_PoolListedNotReadyWithRedDot()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.OpenAsync("work-pools", "Work pools");
        await page.GetByRole(AriaRole.Link, new() { Name = "Create work pool" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Create a work pool" })).ToBeVisibleAsync();

        // The type picker starts from the chosen type's default template.
        var template = page.GetByLabel("Base job template (JSON)");
        await Expect(template).ToHaveValueAsync(UiSession.Pattern("\"working_dir\""));
        await page.GetByLabel("Type").SelectOptionAsync("docker");
        await Expect(template).ToHaveValueAsync(UiSession.Pattern("\"image_pull_policy\""));
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("my-docker-pool");
        await ui.ScreenshotAsync("work-pool-create");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();

        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/work-pools/my-docker-pool$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "my-docker-pool" })).ToBeVisibleAsync();
        var created = await ui.Client.GetWorkPoolAsync("my-docker-pool");
        Assert.Equal("docker", created.Type);
        Assert.True(created.BaseJobTemplate["variables"]?["properties"]?["image_pull_policy"] is not null);

        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Work pools" }).ClickAsync();
        var row = ui.Row("data-pool", "my-docker-pool");
        await Expect(row).ToContainTextAsync("docker");
        var status = row.Locator(".status");
        await Expect(status).ToHaveTextAsync("Not ready");
        await Expect(status.Locator(".dot")).ToHaveCSSAsync("background-color", "rgb(198, 40, 40)");
        await Expect(row.Locator("td[data-label='Workers online']")).ToHaveTextAsync("0");
        await ui.ScreenshotAsync("work-pools-not-ready");

        // The Template tab shows the variables and their defaults as a table.
        await row.GetByRole(AriaRole.Link, new() { Name = "my-docker-pool" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Template" }).ClickAsync();
        await Expect(ui.Row("data-variable", "image_pull_policy")).ToContainTextAsync("one of:");
        await Expect(ui.Row("data-variable", "auto_remove")).ToContainTextAsync("false");
        await ui.ScreenshotAsync("work-pool-template");
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task WorkPoolsPage_WorkerStarts_PoolTurnsReadyAndWorkerListedWithoutReload()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("tutorial-pool");
        await ui.OpenAsync("work-pools", "Work pools");
        var row = ui.Row("data-pool", "tutorial-pool");
        await Expect(row.Locator(".status")).ToHaveTextAsync("Not ready");
        await ui.MarkDocumentAsync();

        await using var worker = await TestWorker.StartAsync(ui.Server, UiScenario.Worker("tutorial-pool", "tutorial-worker"));

        // The same page, not reloaded, turns Ready with a green dot once the worker has polled.
        await Expect(row.Locator(".status")).ToHaveTextAsync("Ready");
        await Expect(row.Locator(".status .dot")).ToHaveCSSAsync("background-color", "rgb(26, 127, 55)");
        await Expect(row.Locator("td[data-label='Workers online']")).ToHaveTextAsync("1");
        await ui.AssertNotReloadedAsync();
        await ui.ScreenshotAsync("work-pools-ready");

        await row.GetByRole(AriaRole.Link, new() { Name = "tutorial-pool" }).ClickAsync();
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Pool sections" }).GetByRole(AriaRole.Link, new() { Name = "Workers" }).ClickAsync();
        var workerRow = ui.Row("data-worker", "tutorial-worker");
        await Expect(workerRow.Locator(".status")).ToHaveTextAsync("Online");
        await Expect(workerRow.Locator("td[data-label='Last heartbeat']")).ToHaveTextAsync(UiSession.Pattern(@"^(just now|\d+ seconds? ago)$"));
        await ui.ScreenshotAsync("work-pool-workers");

        await page.GetByRole(AriaRole.Link, new() { Name = "Queues" }).ClickAsync();
        var queueRow = ui.Row("data-queue", "default");
        await Expect(queueRow.Locator(".status")).ToHaveTextAsync("Ready");
        await Expect(queueRow.Locator("td[data-label='Last polled']")).ToHaveTextAsync(UiSession.Pattern(@"^(just now|\d+ seconds? ago)$"));
        await ui.AssertNotReloadedAsync();
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task PoolPage_PauseSetLimitCreateQueue_ChangesShownAndStored()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("ops");
        await ui.OpenAsync("work-pools/ops", "ops");

        await page.GetByRole(AriaRole.Button, new() { Name = "Pause pool" }).ClickAsync();
        await Expect(page.Locator(".page-head .status")).ToHaveTextAsync("Paused");
        await Expect(page.Locator(".page-head .status .dot")).ToHaveCSSAsync("background-color", "rgb(107, 114, 128)");
        Assert.True((await ui.Client.GetWorkPoolAsync("ops")).Paused);
        await page.GetByRole(AriaRole.Button, new() { Name = "Resume pool" }).ClickAsync();
        await Expect(page.Locator(".page-head .status")).ToHaveTextAsync("Not ready");

        var limit = page.GetByLabel("Concurrency limit", new() { Exact = true });
        await limit.FillAsync("many");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set limit" }).ClickAsync();
        await Expect(page.Locator("#pool-limit-error")).ToContainTextAsync("whole number");
        await Expect(limit).ToHaveAttributeAsync("aria-invalid", "true");
        await limit.FillAsync("3");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set limit" }).ClickAsync();
        await Expect(page.Locator("dl.facts")).ToContainTextAsync("0 in use / 3");
        Assert.Equal(3, (await ui.Client.GetWorkPoolAsync("ops")).ConcurrencyLimit);

        await page.GetByLabel("Queue name").FillAsync("urgent");
        await page.GetByLabel("Priority").FillAsync("1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create queue" }).ClickAsync();
        await Expect(ui.Row("data-queue", "urgent").Locator("td[data-label='Priority']")).ToHaveTextAsync("1");
        await Expect(ui.Row("data-queue", "default").Locator("td[data-label='Priority']")).ToHaveTextAsync("2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Pause queue urgent" }).ClickAsync();
        await Expect(ui.Row("data-queue", "urgent").Locator(".status")).ToHaveTextAsync("Paused");

        // A name that is taken: the server's 409 is shown next to the form.
        await page.GetByLabel("Queue name").FillAsync("urgent");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create queue" }).ClickAsync();
        await Expect(page.Locator("ul.field-error")).ToContainTextAsync("already has a queue named 'urgent'");
        await ui.ScreenshotAsync("work-pool-queues");
        ui.AssertNoBrowserErrors();
    }
}
