using Bosun.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Ui.Tests;

/// <summary>
/// A prerendered page's links work from the first byte, before its circuit has started (a slow link, a loaded server):
/// the page is usable to read and to move on from while its controls wait for the circuit. (A click in the instant the
/// circuit takes the page over can still be lost: a Blazor limitation, dotnet/aspnetcore#9964, that this test does not
/// reach.)
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class HandoffTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task LinkClickedBeforeTheCircuitStarts_Navigates()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        await ui.Client.PoolAsync("held-pool");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The circuit's negotiation waits until the click has been made: the page stays prerendered meanwhile.
        await ui.Page.RouteAsync("**/_blazor/negotiate**", async route =>
        {
            held.TrySetResult();
            await release.Task;
            await route.ContinueAsync();
        });

        await ui.Page.GotoAsync("work-pools");
        await Expect(ui.Row("data-pool", "held-pool")).ToBeVisibleAsync();
        await held.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await Expect(ui.Page.Locator("#main > fieldset.page[disabled]")).ToHaveCountAsync(1);
        await ui.Row("data-pool", "held-pool").GetByRole(AriaRole.Link, new() { Name = "held-pool", Exact = true }).ClickAsync();
        release.TrySetResult();

        await Expect(ui.Page).ToHaveURLAsync(UiSession.Pattern("/work-pools/held-pool$"));
        await Expect(ui.Page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "held-pool" })).ToBeVisibleAsync();
        await ui.WaitInteractiveAsync();
        ui.AssertNoBrowserErrors();
    }
}
