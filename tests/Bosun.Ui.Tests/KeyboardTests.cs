using Bosun.Contracts.States;
using Bosun.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Ui.Tests;

/// <summary>
/// Keyboard operation (issue 20): each main page's primary action is reached with Tab alone and shows a visible focus
/// ring there (a computed outline or box-shadow while it matches :focus-visible), and actions run with Enter or Space:
/// a work queue is created, a run started and cancelled, runs selected and cancelled in bulk, without the mouse.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class KeyboardTests(BrowserFixture browser, ITestOutputHelper output)
{
    /// <summary>Enough presses to pass the header's links and a page's filters; more means the control is out of reach.</summary>
    private const int MaxTabs = 60;

    [Fact]
    public async Task MainPages_PrimaryActionReachedByTab_WithAVisibleFocusRing()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("ops");
        var deployment = await ui.Client.CommandDeploymentAsync("ops", "nightly", "echo hi");
        var run = await ui.Client.RunAsync(deployment, name: "keyboard-run");
        await ui.Client.CreateConcurrencyLimitAsync(new Contracts.ConcurrencyLimits.ConcurrencyLimitCreate("db", 2));

        (string Path, string Heading, Func<ILocator> Action)[] pages =
        [
            ("", "Dashboard", () => page.Locator("#main a[href]").First),
            ("work-pools", "Work pools", () => page.GetByRole(AriaRole.Link, new() { Name = "Create work pool" })),
            ("work-pools/ops", "ops", () => page.GetByRole(AriaRole.Button, new() { Name = "Pause pool" })),
            ("deployments", "Deployments", () => page.GetByRole(AriaRole.Link, new() { Name = "Run shell/nightly" })),
            ($"deployments/{deployment.Id}", "shell/nightly", () => page.GetByRole(AriaRole.Link, new() { Name = "Run", Exact = true })),
            ("flow-runs", "Flow runs", () => page.GetByLabel("Select keyboard-run")),
            ($"flow-runs/{run.Id}", "keyboard-run", () => page.GetByRole(AriaRole.Button, new() { Name = "Cancel run" })),
            ("workers", "Workers", () => page.GetByLabel("Work pool", new() { Exact = true })),
            ("automations", "Automations", () => page.GetByRole(AriaRole.Link, new() { Name = "Create automation" })),
            ("concurrency-limits", "Concurrency limits", () => page.GetByRole(AriaRole.Button, new() { Name = "Set limit" })),
            ("search?q=nightly", "Search", () => page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true })),
        ];
        foreach (var (path, heading, action) in pages)
        {
            await ui.OpenAsync(path, heading);
            await TabToAsync(page, action(), path);
            await AssertFocusRingAsync(action(), path);
        }

        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task KeyboardOnly_CreatesAQueue_RunsADeployment_CancelsTheRun_AndCancelsRunsInBulk()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("ops");
        var deployment = await ui.Client.CommandDeploymentAsync("ops", "nightly", "echo hi");

        // A work queue: Tab to its name, type, Tab to the button, Enter.
        await ui.OpenAsync("work-pools/ops", "ops");
        await TabToAsync(page, page.GetByLabel("Queue name"), "queue name");
        await page.Keyboard.TypeAsync("urgent");
        await TabToAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Create queue" }), "create queue");
        await page.Keyboard.PressAsync("Enter");
        await Expect(ui.Row("data-queue", "urgent")).ToBeVisibleAsync();
        Assert.Contains(await ui.Client.ListWorkQueuesAsync("ops"), queue => queue.Name == "urgent");

        // A run: the list's Run link (Enter follows it), the form's Run button (Enter), then Cancel run (Space).
        await ui.OpenAsync("deployments", "Deployments");
        await TabToAsync(page, page.GetByRole(AriaRole.Link, new() { Name = "Run shell/nightly" }), "run link");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "Run shell/nightly" })).ToBeVisibleAsync();
        await ui.WaitInteractiveAsync();
        await TabToAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Run", Exact = true }), "run button");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/flow-runs/[0-9a-f-]{36}$"));
        var runId = Guid.Parse(page.Url[^36..]);
        await ui.WaitInteractiveAsync();
        await TabToAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Cancel run" }), "cancel run");
        await page.Keyboard.PressAsync("Space");
        await Expect(page.Locator(".page-head .state")).ToHaveAttributeAsync("data-state", "CANCELLED");
        Assert.Equal(StateType.Cancelled, (await ui.Client.GetFlowRunAsync(runId)).State.Type);

        // Bulk: Space ticks a run's box, Tab reaches the bar's button, Enter cancels.
        var first = await ui.Client.RunAsync(deployment, name: "bulk-one");
        var second = await ui.Client.RunAsync(deployment, name: "bulk-two");
        await ui.OpenAsync("flow-runs", "Flow runs");
        await TabToAsync(page, page.GetByLabel("Select bulk-one"), "select bulk-one");
        await page.Keyboard.PressAsync("Space");
        await Expect(page.GetByLabel("Select bulk-one")).ToBeCheckedAsync();
        await TabToAsync(page, page.GetByLabel("Select bulk-two"), "select bulk-two");
        await page.Keyboard.PressAsync("Space");
        await Expect(page.GetByLabel("Select bulk-two")).ToBeCheckedAsync();
        await TabToAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Cancel selected" }), "cancel selected", backwards: true);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("[data-bulk-outcome]")).ToContainTextAsync("Cancelled 2 of 2 runs.");
        foreach (var id in new[] { first.Id, second.Id })
        {
            Assert.Equal(StateType.Cancelled, (await ui.Client.GetFlowRunAsync(id)).State.Type);
        }

        ui.AssertNoBrowserErrors();
    }

    /// <summary>Presses Tab (Shift+Tab when <paramref name="backwards"/>) until <paramref name="target"/> has the focus, or fails naming it.</summary>
    private static async Task TabToAsync(IPage page, ILocator target, string what, bool backwards = false)
    {
        await Expect(target).ToBeVisibleAsync();
        for (var presses = 0; presses < MaxTabs; presses++)
        {
            if (await target.EvaluateAsync<bool>("el => el === document.activeElement"))
            {
                return;
            }

            await page.Keyboard.PressAsync(backwards ? "Shift+Tab" : "Tab");
        }

        var focused = await page.EvaluateAsync<string>("() => document.activeElement?.outerHTML?.slice(0, 200) ?? 'nothing'");
        Assert.Fail($"{what}: not reached with {MaxTabs} presses of Tab; the focus is on {focused}");
    }

    /// <summary>The focused control matches :focus-visible and draws a ring: a solid outline at least 2px wide, or a box-shadow.</summary>
    private static async Task AssertFocusRingAsync(ILocator target, string what)
    {
        var ring = await target.EvaluateAsync<string[]>("""
            el => { const s = getComputedStyle(el); return [String(el.matches(':focus-visible')), s.outlineStyle, s.outlineWidth, s.boxShadow]; }
            """);
        Assert.True(ring[0] == "true", $"{what}: the focused control does not match :focus-visible");
        var outlined = ring[1] is not ("none" or "") && double.Parse(ring[2].Replace("px", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) >= 2;
        var shadowed = ring[3] is not ("none" or "");
        Assert.True(outlined || shadowed, $"{what}: no focus ring (outline {ring[1]} {ring[2]}, box-shadow {ring[3]})");
    }
}
