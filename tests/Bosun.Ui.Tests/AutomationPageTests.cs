using Bosun.Contracts.Automations;
using Bosun.Contracts.States;
using Bosun.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Ui.Tests;

/// <summary>The Automations pages: the list, a rule's details and ledger, pause and resume.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AutomationPageTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task AutomationPages_RuleWithDelivery_ListedWithLedgerAndPausable()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        using var receiver = new WebhookReceiver();
        var client = ui.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p", "nightly", "etl");
        await client.CreateAutomationAsync(new AutomationCreate("on-failure",
            new AutomationTrigger(AutomationTriggerKind.RunState, [StateType.Failed], Deployment: "etl/nightly"),
            [new AutomationAction(AutomationActionKind.Webhook, receiver.BaseUrl)]));
        var run = await client.RunAsync(deployment, TimeProvider.System.GetUtcNow().AddMinutes(-1));
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Failed));
        await receiver.WaitForAsync(1);
        await Eventually.WaitUntilAsync(async () => (await client.AutomationHistoryAsync("on-failure")) is [{ Status: DeliveryStatus.Delivered }], "the delivery is recorded");

        var page = ui.Page;
        await ui.OpenAsync("automations", "Automations");
        var row = ui.Row("data-automation", "on-failure");
        await Expect(row).ToContainTextAsync("run_state FAILED of etl/nightly");
        await Expect(row).ToContainTextAsync("Active");
        await row.GetByRole(AriaRole.Link, new() { Name = "on-failure" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "on-failure" })).ToBeVisibleAsync();
        await Expect(page.Locator("tr[data-delivery]")).ToContainTextAsync("DELIVERED");

        await page.GetByRole(AriaRole.Button, new() { Name = "Pause automation" }).ClickAsync();
        await Expect(page.Locator("dd[data-status]")).ToHaveTextAsync("Paused");
        Assert.False((await client.GetAutomationAsync("on-failure")).Enabled);
        await page.GetByRole(AriaRole.Button, new() { Name = "Resume automation" }).ClickAsync();
        await Expect(page.Locator("dd[data-status]")).ToHaveTextAsync("Active");
        ui.AssertNoBrowserErrors();
    }
}
