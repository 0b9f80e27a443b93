using Bosun.Contracts.Deployments;
using Bosun.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Ui.Tests;

/// <summary>The search page matches every pool and deployment on the server, not only the first page of them.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SearchPageTests(BrowserFixture browser, ITestOutputHelper output)
{
    /// <summary>More than one page of the API's largest page (500), so the deployment sorted last is on no first page.</summary>
    private const int Fillers = 505;

    [Fact]
    public async Task Search_DeploymentAfterTheFirstPage_FoundAndCounted()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        using (var gate = new SemaphoreSlim(4))
        {
            await Task.WhenAll(Enumerable.Range(0, Fillers).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    await ui.Client.UpsertDeploymentAsync(new DeploymentUpsert("bulk", $"filler-{i:D3}", "echo hi"));
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        // Deployments are listed by flow, then name: "zz-flow" comes after every "bulk" one, beyond the first page.
        var last = await ui.Client.UpsertDeploymentAsync(new DeploymentUpsert("zz-flow", "needle-report", "echo hi"));
        var firstPage = await ui.Client.ListDeploymentsAsync(limit: 500);
        Assert.True(firstPage.Total > 500, $"{firstPage.Total} deployments");
        Assert.DoesNotContain(firstPage.Items, deployment => deployment.Id == last.Id);

        await ui.OpenAsync("search?q=NEEDLE", "Search");
        await Expect(page.Locator("[data-found-deployment]")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-found-deployment='zz-flow/needle-report']")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Deployments (1)" })).ToBeVisibleAsync();

        // Every match is counted, the first 100 by name listed.
        await ui.OpenAsync("search?q=filler-", "Search");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Deployments ({Fillers})" })).ToBeVisibleAsync();
        await Expect(page.Locator("[data-found-deployment]")).ToHaveCountAsync(100);
        await Expect(page.Locator("[data-found-deployment='bulk/filler-099']")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-found-deployment='bulk/filler-100']")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Link, new() { Name = "bulk/filler-000" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/deployments/[0-9a-f-]+$"));
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task RunLists_MoreRunsThanTheServerCounts_ShowTheLimitWithAPlus()
    {
        await using var ui = await UiSession.StartAsync(browser, output, configure: options => options.ListCountLimit = 3);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("counted");
        var deployment = await ui.Client.DeploymentAsync("counted", name: "countme");
        for (var i = 0; i < 5; i++)
        {
            await ui.Client.RunAsync(deployment, name: $"countme-{i}");
        }

        await ui.OpenAsync("flow-runs", "Flow runs");
        await Expect(page.GetByText("3+ runs, the newest 5 shown.")).ToBeVisibleAsync();
        await ui.OpenAsync("search?q=countme", "Search");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Flow runs (3+)" })).ToBeVisibleAsync();
        ui.AssertNoBrowserErrors();
    }
}
