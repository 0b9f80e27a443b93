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
}
