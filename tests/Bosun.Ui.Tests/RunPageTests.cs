using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Ui.Tests;

/// <summary>Running a deployment from its form, watching the run page update live, cancelling and retrying.</summary>
[Collection(BrowserCollection.Name)]
public sealed class RunPageTests(BrowserFixture browser, ITestOutputHelper output)
{
    private static readonly JsonObject GreetingSchema = JsonNode.Parse("""
        {
          "type": "object",
          "title": "Parameters",
          "properties": {
            "greeting": { "type": "string", "title": "greeting", "description": "What the flow prints" },
            "times": { "type": "integer", "title": "times", "default": 1 },
            "loud": { "type": "boolean", "title": "loud", "default": false },
            "colour": { "type": "string", "title": "colour", "enum": ["red", "green"] },
            "tags": { "type": "array", "title": "tags", "items": { "type": "string" } }
          },
          "required": ["greeting"],
          "additionalProperties": false
        }
        """)!.AsObject();

    /// <summary>A flow that reads its own run through the API and prints its greeting parameter and one environment variable.</summary>
    private static readonly string GreetingFlow = FakeFlow.Shell(
        $"""{FakeFlow.Propose("RUNNING")}; echo flow started; curl -s "$BOSUN_API_URL/flow_runs/$BOSUN_FLOW_RUN_ID" | grep -o '"greeting":"[^"]*"'; echo "source=$GREETING_SOURCE"; {FakeFlow.Propose("COMPLETED")}""");

    [Fact]
    public async Task RunForm_ParameterAndJobVariable_RunPageShowsLogsArrivingLive()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("proc");
        var deployment = await ui.Client.CommandDeploymentAsync("proc", "greet", GreetingFlow, GreetingSchema);

        await ui.OpenAsync($"deployments/{deployment.Id}", "shell/greet");
        await Expect(ui.Row("data-variable", "greeting")).ToContainTextAsync("Yes");
        await ui.ScreenshotAsync("deployment");
        await page.GetByRole(AriaRole.Link, new() { Name = "Run", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "Run shell/greet" })).ToBeVisibleAsync();

        // Typed fields from the schema, defaults filled in.
        await Expect(page.GetByLabel("times")).ToHaveValueAsync("1");
        await Expect(page.GetByLabel("loud")).ToHaveAttributeAsync("type", "checkbox");
        await Expect(page.GetByLabel("colour")).ToHaveJSPropertyAsync("tagName", "SELECT");
        await Expect(page.GetByLabel("tags")).ToHaveJSPropertyAsync("tagName", "TEXTAREA");
        await Expect(page.Locator(".preview pre")).ToContainTextAsync("\"stream_output\": true");

        await page.GetByLabel("greeting").FillAsync("from the web form");
        await page.GetByLabel("colour").SelectOptionAsync("green");
        await page.GetByLabel("Overrides for this run").FillAsync("""{"env": {"GREETING_SOURCE": "ui"}}""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview job configuration" }).ClickAsync();
        await Expect(page.Locator(".preview pre")).ToContainTextAsync("\"GREETING_SOURCE\": \"ui\"");
        await ui.ScreenshotAsync("deployment-run-form");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run", Exact = true }).ClickAsync();

        // No worker yet: the run page says why the run waits.
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/flow-runs/[0-9a-f-]{36}$"));
        var runId = Guid.Parse(page.Url[^36..]);
        await Expect(page.Locator("[data-waiting-reason]")).ToContainTextAsync("no worker online for pool 'proc'");
        await Expect(page.Locator(".page-head .state")).ToHaveAttributeAsync("data-state", "SCHEDULED");
        await ui.MarkDocumentAsync();
        await ui.ScreenshotAsync("flow-run-waiting");

        await using var worker = await TestWorker.StartAsync(ui.Server, UiScenario.Worker("proc", "ui-worker"));

        var logs = page.GetByRole(AriaRole.Log);
        await Expect(logs).ToContainTextAsync("\"greeting\":\"from the web form\"");
        await Expect(logs).ToContainTextAsync("source=ui");
        await Expect(page.Locator(".page-head .state")).ToHaveAttributeAsync("data-state", "COMPLETED");
        await Expect(page.Locator("[data-waiting-reason]")).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-infrastructure-id]")).Not.ToHaveTextAsync("-");
        await Expect(page.Locator("ol.timeline")).ToContainTextAsync("Running");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Retry run" })).ToBeVisibleAsync();
        await ui.AssertNotReloadedAsync();
        await ui.ScreenshotAsync("flow-run-completed");

        var run = await ui.Client.GetFlowRunAsync(runId);
        Assert.Equal("from the web form", run.Parameters["greeting"]?.GetValue<string>());
        Assert.Equal(1, run.Parameters["times"]?.GetValue<int>());
        Assert.Equal("green", run.Parameters["colour"]?.GetValue<string>());
        Assert.Equal("ui", run.JobVariables["env"]?["GREETING_SOURCE"]?.GetValue<string>());
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task RunForm_MistypedNumberThenMissingRequiredAndWrongType_MessagesAtTheFieldsAndNoRun()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("proc");
        var deployment = await ui.Client.CommandDeploymentAsync("proc", "greet", GreetingFlow, GreetingSchema);
        await ui.OpenAsync($"deployments/{deployment.Id}/run", "Run shell/greet");
        var run = page.GetByRole(AriaRole.Button, new() { Name = "Run", Exact = true });

        // A mistyped number is caught by the form itself.
        await page.GetByLabel("times").FillAsync("three");
        await run.ClickAsync();
        await Expect(page.Locator("#param-times-error")).ToHaveTextAsync("'three' is not a whole number; times takes an integer such as 3.");
        await Expect(page.GetByLabel("times")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Check the highlighted field");

        // A missing required parameter and a value of the wrong JSON type come back from the server's 422 validation.
        await page.GetByLabel("times").FillAsync("4");
        await page.GetByLabel("tags").FillAsync("""{"not": "a list"}""");
        await run.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Validation failed");
        await Expect(page.Locator("#param-greeting-error")).ToContainTextAsync("greeting");
        await Expect(page.Locator("#param-tags-error")).ToContainTextAsync("array");
        await Expect(page.Locator("#param-times-error")).ToHaveCountAsync(0);
        await Expect(page.GetByLabel("greeting")).ToHaveAttributeAsync("aria-invalid", "true");
        await ui.ScreenshotAsync("deployment-run-validation");
        Assert.Equal(0, (await ui.Client.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: deployment.Id))).Total);

        await page.GetByLabel("greeting").FillAsync("fixed");
        await page.GetByLabel("tags").FillAsync("""["a", "b"]""");
        await run.ClickAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/flow-runs/[0-9a-f-]{36}$"));
        var created = await ui.Client.GetFlowRunAsync(Guid.Parse(page.Url[^36..]));
        Assert.Equal(4, created.Parameters["times"]?.GetValue<int>());
        Assert.Equal("""["a","b"]""", created.Parameters["tags"]?.ToJsonString());
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task RunPage_CancelThenRetry_RunCancelledThenScheduledAgain()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("proc");
        var deployment = await ui.Client.CommandDeploymentAsync("proc", "long",
            FakeFlow.Shell($"{FakeFlow.Propose("RUNNING")}; echo started and waiting; sleep 120; {FakeFlow.Propose("COMPLETED")}"));
        var worker = await TestWorker.StartAsync(ui.Server, UiScenario.Worker("proc", "cancel-worker"));
        try
        {
            var created = await ui.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
            await ui.OpenAsync($"flow-runs/{created.Id}", created.Name);
            await Expect(page.GetByRole(AriaRole.Log)).ToContainTextAsync("started and waiting");
            await Expect(page.Locator(".page-head .state")).ToHaveAttributeAsync("data-state", "RUNNING");
            await ui.ScreenshotAsync("flow-run-running");

            await page.GetByRole(AriaRole.Button, new() { Name = "Cancel run" }).ClickAsync();
            await Expect(page.Locator(".page-head .state")).ToHaveAttributeAsync("data-state", "CANCELLED");
            await Expect(page.Locator("ol.timeline")).ToContainTextAsync("Cancelling");
            Assert.Equal(StateType.Cancelled, (await ui.Client.GetFlowRunAsync(created.Id)).State.Type);
            await ui.ScreenshotAsync("flow-run-cancelled");

            await worker.StopAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Retry run" }).ClickAsync();
            await Expect(page.Locator(".page-head .state")).ToHaveAttributeAsync("data-state", "SCHEDULED");
            await Expect(page.Locator("[data-waiting-reason]")).ToBeVisibleAsync();
            var names = (await ui.Client.GetFlowRunStatesAsync(created.Id)).Select(state => state.Name).ToList();
            Assert.Equal(["Cancelling", "Cancelled", "Scheduled"], names[^3..]);
            ui.AssertNoBrowserErrors();
        }
        finally
        {
            await worker.DisposeAsync();
        }
    }
}
