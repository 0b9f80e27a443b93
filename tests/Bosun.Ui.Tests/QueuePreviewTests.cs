using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Ui.Tests;

/// <summary>The pool page's Upcoming runs tab: what <c>bosun work-queue preview</c> shows, per queue, in the order a worker claims it.</summary>
[Collection(BrowserCollection.Name)]
public sealed class QueuePreviewTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task UpcomingTab_RunsPerQueueInClaimOrder_QueueAndHorizonInTheAddress()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("proc");
        await ui.Client.CreateWorkQueueAsync("proc", new WorkQueueCreate("urgent", Priority: 1));
        var deployment = await ui.Client.CommandDeploymentAsync("proc", "batch", "echo hi");
        var now = TimeProvider.System.GetUtcNow();
        // Created out of order: the preview orders them by when they are due, not by when they were made.
        foreach (var (name, minutes, queue) in new[] { ("due-in-30", 30, "default"), ("due-in-5", 5, "default"), ("due-in-10", 10, "default"),
                     ("urgent-in-20", 20, "urgent"), ("due-in-180", 180, "default") })
        {
            await ui.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(Name: name, ScheduledStartTime: now.AddMinutes(minutes), WorkQueueName: queue));
        }

        var finished = await ui.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(Name: "already-cancelled"));
        await ui.Client.CancelFlowRunAsync(finished.Id);

        await ui.OpenAsync("work-pools/proc", "proc");
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Pool sections" }).GetByRole(AriaRole.Link, new() { Name = "Upcoming runs" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/work-pools/proc/upcoming$"));
        await ui.WaitInteractiveAsync();

        // Queues by priority (urgent was made priority 1), each one's runs due within the hour by their scheduled start.
        await Expect(page.Locator("section[data-preview-queue] h2")).ToContainTextAsync(["Queue urgent", "Queue default"]);
        var defaultRuns = page.Locator("[data-preview-queue='default'] tr[data-preview-run] td[data-label='Run']");
        await Expect(defaultRuns).ToHaveTextAsync(["due-in-5", "due-in-10", "due-in-30"]);
        await Expect(page.Locator("[data-preview-queue='urgent'] tr[data-preview-run] td[data-label='Run']")).ToHaveTextAsync(["urgent-in-20"]);
        await ui.ScreenshotAsync("work-pool-upcoming");

        // The same runs the API lists for the CLI's preview of that queue (it sorts them the same way).
        var listed = await ui.Client.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Scheduled], WorkPoolName: "proc", WorkQueueName: "default",
            ExpectedStartBefore: now.AddHours(1)));
        Assert.Equal(["due-in-5", "due-in-10", "due-in-30"], listed.Items.OrderBy(run => run.State.ScheduledTime ?? run.ExpectedStartTime).Select(run => run.Name));

        // A longer horizon, then one queue: each is a new address; Back returns to the previous view.
        await page.GetByLabel("Due within").SelectOptionAsync("6");
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/work-pools/proc/upcoming\?hours=6$"));
        await Expect(defaultRuns).ToHaveTextAsync(["due-in-5", "due-in-10", "due-in-30", "due-in-180"]);
        await page.GetByLabel("Queue", new() { Exact = true }).SelectOptionAsync("urgent");
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/work-pools/proc/upcoming\?hours=6&queue=urgent$"));
        await Expect(page.Locator("section[data-preview-queue]")).ToHaveCountAsync(1);
        await Expect(page.Locator("section[data-preview-queue='urgent']")).ToBeVisibleAsync();

        await page.GoBackAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern(@"/work-pools/proc/upcoming\?hours=6$"));
        await Expect(page.Locator("section[data-preview-queue]")).ToHaveCountAsync(2);
        await Expect(defaultRuns).ToHaveTextAsync(["due-in-5", "due-in-10", "due-in-30", "due-in-180"]);

        // A shared address opens the same view.
        await ui.OpenAsync("work-pools/proc/upcoming?queue=default", "proc");
        await Expect(page.GetByLabel("Queue", new() { Exact = true })).ToHaveValueAsync("default");
        await Expect(page.Locator("section[data-preview-queue]")).ToHaveCountAsync(1);
        await Expect(defaultRuns).ToHaveTextAsync(["due-in-5", "due-in-10", "due-in-30"]);
        ui.AssertNoBrowserErrors();
    }
}
