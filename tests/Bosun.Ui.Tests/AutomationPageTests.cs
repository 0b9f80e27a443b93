using System.Text.Json.Nodes;
using Bosun.Contracts.Automations;
using Bosun.Contracts.States;
using Bosun.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Ui.Tests;

/// <summary>The Automations pages: the list, a rule's details and ledger, pause and resume, creating and editing a rule.</summary>
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

    [Fact]
    public async Task CreateAutomationPage_FilledForm_CreatesRuleAndOpensIt()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.OpenAsync("automations", "Automations");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Create automation" })).ToBeVisibleAsync();
        await ui.OpenAsync("automations/new", "Create an automation");

        // FAILED and CRASHED are checked to start with; a webhook needs its URL before anything is sent.
        await Expect(page.GetByLabel("FAILED", new() { Exact = true })).ToBeCheckedAsync();
        await Expect(page.GetByLabel("CRASHED", new() { Exact = true })).ToBeCheckedAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("page-on-failure");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await Expect(page.Locator("#automation-action-0-target-error")).ToHaveTextAsync("Give the URL to POST to.");

        await page.GetByLabel("CRASHED", new() { Exact = true }).UncheckAsync();
        await page.GetByLabel("Deployment (optional, flow/deployment)").FillAsync("etl/nightly");
        await page.GetByLabel("Fire once per").FillAsync("3");
        await page.GetByLabel("Within minutes").FillAsync("10");
        await page.GetByLabel("URL", new() { Exact = true }).FillAsync("https://hooks.example.com/T/B/X");
        await page.GetByLabel("Body").SelectOptionAsync(new SelectOptionValue { Label = "Slack message" });
        await ui.ScreenshotAsync("automation-create");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();

        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/automations/page-on-failure$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "page-on-failure" })).ToBeVisibleAsync();
        var rule = await ui.Client.GetAutomationAsync("page-on-failure");
        Assert.Equal("run_state FAILED of etl/nightly 3 within 10 min", rule.Trigger.Describe());
        var action = Assert.Single(rule.Actions);
        Assert.Equal((AutomationActionKind.Webhook, "https://hooks.example.com/T/B/X", WebhookPreset.Slack), (action.Kind, action.Url, action.Preset));
        Assert.True(rule.Enabled);

        // The server's own checks come back under their fields: a run-created rule cannot retry the run.
        await ui.OpenAsync("automations/new", "Create an automation");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("retry-new-runs");
        await page.GetByLabel("When").SelectOptionAsync(new SelectOptionValue { Label = "A run is created" });
        await page.GetByLabel("Then").SelectOptionAsync(new SelectOptionValue { Label = "Retry the run" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await Expect(page.Locator(".problem, [role=alert]").First).ToContainTextAsync("retry_run");
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task EditAutomationPage_ExistingRule_ActionsAddedRemovedAndRenamedByPatchAudited()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var client = ui.Client;
        var template = JsonNode.Parse("""{"text": "{{ event.summary }}"}""")!;
        var created = await client.CreateAutomationAsync(new AutomationCreate("notify-failures",
            new AutomationTrigger(AutomationTriggerKind.RunState, [StateType.Failed], Deployment: "etl/nightly"),
            [new AutomationAction(AutomationActionKind.Webhook, "https://hooks.example.com/old", Body: template)]));
        await client.CreateAutomationAsync(new AutomationCreate("taken",
            new AutomationTrigger(AutomationTriggerKind.WorkerOffline), [new AutomationAction(AutomationActionKind.Webhook, "https://hooks.example.com/taken")]));

        var page = ui.Page;
        await ui.OpenAsync("automations/notify-failures", "notify-failures");
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit automation" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/automations/notify-failures/edit$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "Edit notify-failures" })).ToBeVisibleAsync();
        await ui.WaitInteractiveAsync();

        // The form holds the rule as it is, its body template kept.
        await Expect(page.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync("notify-failures");
        await Expect(page.GetByLabel("Deployment (optional, flow/deployment)")).ToHaveValueAsync("etl/nightly");
        await Expect(page.GetByLabel("FAILED", new() { Exact = true })).ToBeCheckedAsync();
        await Expect(page.GetByLabel("CRASHED", new() { Exact = true })).Not.ToBeCheckedAsync();
        var first = page.GetByRole(AriaRole.Group, new() { Name = "Action 1", Exact = true });
        await Expect(first.GetByLabel("URL", new() { Exact = true })).ToHaveValueAsync("https://hooks.example.com/old");
        await Expect(first.GetByLabel("Body")).ToContainTextAsync("Its own body template (kept)");

        // Two more actions; the third needs its secret before anything is sent.
        await page.GetByRole(AriaRole.Button, new() { Name = "Add an action" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add an action" }).ClickAsync();
        var second = page.GetByRole(AriaRole.Group, new() { Name = "Action 2", Exact = true });
        var third = page.GetByRole(AriaRole.Group, new() { Name = "Action 3", Exact = true });
        await second.GetByLabel("Then").SelectOptionAsync(new SelectOptionValue { Label = "Pause the deployment" });
        await third.GetByLabel("Then").SelectOptionAsync(new SelectOptionValue { Label = "Send to a notification channel (secret)" });
        await page.GetByLabel("CRASHED", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("page-on-failure");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.Locator("#automation-action-2-target-error")).ToHaveTextAsync("Give the secret's name.");
        await third.GetByLabel("Secret holding the channel's URL").FillAsync("ops-channel");
        await third.GetByLabel("Body").SelectOptionAsync(new SelectOptionValue { Label = "Slack message" });
        await ui.ScreenshotAsync("automation-edit");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/automations/page-on-failure$"));
        await Expect(page.GetByText("Action 3", new() { Exact = true })).ToBeVisibleAsync();
        var rule = await client.GetAutomationAsync("page-on-failure");
        Assert.Equal(created.Id, rule.Id);
        Assert.Equal("run_state FAILED,CRASHED of etl/nightly", rule.Trigger.Describe());
        Assert.Collection(rule.Actions,
            action => Assert.Equal((AutomationActionKind.Webhook, "https://hooks.example.com/old", (WebhookPreset?)null, template.ToJsonString()),
                (action.Kind, action.Url, action.Preset, action.Body?.ToJsonString())),
            action => Assert.Equal((AutomationActionKind.PauseDeployment, (string?)null), (action.Kind, action.Deployment)),
            action => Assert.Equal((AutomationActionKind.Notify, "ops-channel", (WebhookPreset?)WebhookPreset.Slack), (action.Kind, action.Secret, action.Preset)));
        var entry = Assert.Single((await client.ListAuditEntriesAsync()).Items, e => e.Action == "UpdateAutomation");
        Assert.Equal("UI /automations/notify-failures/edit", entry.Route);
        Assert.Equal(200, entry.Status);
        Assert.Equal("name=notify-failures; fields: name=\"page-on-failure\", trigger, actions[3], description, enabled", entry.Summary);

        // A name already taken is refused where the form is, and nothing changes; then a removed action is gone.
        await ui.OpenAsync("automations/page-on-failure/edit", "Edit page-on-failure");
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove action 2" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Group, new() { Name = "Action 3", Exact = true })).ToHaveCountAsync(0);
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("taken");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.Locator("[role=alert]").First).ToContainTextAsync("'taken' already exists");
        Assert.Equal(3, (await client.GetAutomationAsync("page-on-failure")).Actions.Count);
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("page-on-failure");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/automations/page-on-failure$"));
        Assert.Equal([AutomationActionKind.Webhook, AutomationActionKind.Notify], (await client.GetAutomationAsync("page-on-failure")).Actions.Select(a => a.Kind));
        ui.AssertNoBrowserErrors();
    }
}
