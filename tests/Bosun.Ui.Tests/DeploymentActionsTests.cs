using System.Net;
using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.Schedules;
using Bosun.Contracts.Security;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Ui.Tests;

/// <summary>What the CLI does to a deployment, done from its page (issue 20): pause, schedules with a live preview, edit, delete.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DeploymentActionsTests(BrowserFixture browser, ITestOutputHelper output)
{
    private static readonly JsonObject TimesSchema = JsonNode.Parse("""
        {
          "type": "object",
          "properties": { "times": { "type": "integer", "default": 1 } },
          "additionalProperties": false
        }
        """)!.AsObject();

    /// <summary>A parameter of each kind the edit form shows: a number, a choice, a flag, and an object it edits as JSON.</summary>
    private static readonly JsonObject EditSchema = JsonNode.Parse("""
        {
          "type": "object",
          "properties": {
            "times": { "type": "integer", "minimum": 1, "default": 1 },
            "mode": { "type": "string", "enum": ["fast", "full"] },
            "verbose": { "type": "boolean" },
            "options": { "type": "object" }
          },
          "additionalProperties": false
        }
        """)!.AsObject();

    [Fact]
    public async Task DeploymentPage_PauseThenResume_StoredAndShown()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("proc");
        var deployment = await ui.Client.CommandDeploymentAsync("proc", "nightly", "echo hi", TimesSchema);
        await ui.OpenAsync($"deployments/{deployment.Id}", "shell/nightly");

        await page.GetByRole(AriaRole.Button, new() { Name = "Pause deployment" }).ClickAsync();
        await Expect(page.Locator(".page-head .status")).ToHaveTextAsync("Paused");
        Assert.True((await ui.Client.GetDeploymentAsync(deployment.Id)).Paused);

        await page.GetByRole(AriaRole.Button, new() { Name = "Resume deployment" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Pause deployment" })).ToBeVisibleAsync();
        Assert.False((await ui.Client.GetDeploymentAsync(deployment.Id)).Paused);
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task ScheduleForm_TypedCronAndRRule_PreviewsTenRunsWithErrorsInPlaceThenAddPauseDelete()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("proc");
        var deployment = await ui.Client.CommandDeploymentAsync("proc", "nightly", "echo hi", TimesSchema);
        await ui.OpenAsync($"deployments/{deployment.Id}", "shell/nightly");
        await Expect(page.Locator("#schedules-heading + p.empty")).ToContainTextAsync("No schedules");

        var expression = page.GetByLabel("Cron expression");
        var preview = page.Locator("ol.upcoming[aria-label='Preview of the next 10 runs'] li");

        // A cron expression missing a field: the scheduler's message, next to the field, and no preview.
        await expression.FillAsync("0 9 * *");
        await Expect(page.Locator("#schedule-expression-error")).ToContainTextAsync("not a 5-field cron expression");
        await Expect(expression).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(preview).ToHaveCountAsync(0);

        // Completed as it is typed: the next 10 runs, at 09:00 in the zone given.
        await expression.FillAsync("0 9 * * *");
        await Expect(preview).ToHaveCountAsync(10);
        await Expect(page.Locator("#schedule-expression-error")).ToHaveCountAsync(0);
        await Expect(preview.First.Locator(".upcoming-local")).ToHaveTextAsync(UiSession.Pattern(@"^\d{4}-\d\d-\d\d 09:00:00 \+00:00$"));

        var timezone = page.GetByLabel("Time zone");
        await timezone.FillAsync("Mars/Olympus_Mons");
        await Expect(page.Locator("#schedule-timezone-error")).ToContainTextAsync("unknown time zone 'Mars/Olympus_Mons'");
        await Expect(preview).ToHaveCountAsync(0);

        // A monthly rule in Berlin: ten months always span a DST change, which the preview marks.
        await timezone.FillAsync("Europe/Berlin");
        await page.GetByLabel("Kind").SelectOptionAsync("rrule");
        await page.GetByLabel("RRule").FillAsync("FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0;BYSECOND=0");
        await Expect(preview).ToHaveCountAsync(10);
        await Expect(preview.Locator(".dst-mark")).Not.ToHaveCountAsync(0);
        await Expect(preview.First.Locator(".upcoming-local")).ToHaveTextAsync(UiSession.Pattern(@"^\d{4}-\d\d-01 09:00:00 \+0[12]:00$"));
        await ui.ScreenshotAsync("deployment-schedule-preview");

        // Added: listed with its next runs, and stored.
        await page.GetByLabel("Kind").SelectOptionAsync("cron");
        await page.GetByLabel("Cron expression").FillAsync("30 6 * * 1-5");
        await Expect(preview).ToHaveCountAsync(10);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add schedule" }).ClickAsync();
        var row = ui.Row("data-schedule", "cron 30 6 * * 1-5");
        await Expect(row.Locator("td[data-label='Time zone']")).ToHaveTextAsync("Europe/Berlin");
        await Expect(row.Locator("td[data-label='Status']")).ToHaveTextAsync("Active");
        await Expect(page.Locator("ol.upcoming[aria-label='Next scheduled runs'] li")).ToHaveCountAsync(10);
        var stored = Assert.Single(await ui.Client.ListSchedulesAsync(deployment.Id));
        Assert.Equal(("30 6 * * 1-5", "Europe/Berlin", true), (stored.Cron, stored.Timezone, stored.Active));
        await ui.ScreenshotAsync("deployment-schedules");

        await page.GetByRole(AriaRole.Button, new() { Name = "Pause schedule cron 30 6 * * 1-5" }).ClickAsync();
        await Expect(row.Locator("td[data-label='Status']")).ToHaveTextAsync("Paused");
        Assert.False((await ui.Client.ListSchedulesAsync(deployment.Id)).Single().Active);
        await Expect(page.Locator("ol.upcoming[aria-label='Next scheduled runs']")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete schedule cron 30 6 * * 1-5" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, delete it" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        Assert.Empty(await ui.Client.ListSchedulesAsync(deployment.Id));
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task EditPage_BadValuesShownInPlace_ThenEveryFieldSaved()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("proc");
        await ui.Client.CreateWorkQueueAsync("proc", new WorkQueueCreate("urgent"));
        var deployment = await ui.Client.CommandDeploymentAsync("proc", "nightly", "echo hi", EditSchema);
        await ui.OpenAsync($"deployments/{deployment.Id}", "shell/nightly");
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "Edit shell/nightly" })).ToBeVisibleAsync();
        await ui.WaitInteractiveAsync();
        var save = page.GetByRole(AriaRole.Button, new() { Name = "Save changes" });

        // Caught in the browser: JSON that is not an object, a limit that is not a number.
        await page.GetByLabel("Job variables").FillAsync("[1, 2]");
        await page.GetByLabel("Concurrency limit").FillAsync("two");
        await save.ClickAsync();
        await Expect(page.Locator("#edit-job_variables-error")).ToContainTextAsync("Must be a JSON object");
        await Expect(page.Locator("#edit-concurrency_limit-error")).ToContainTextAsync("whole number");
        await Expect(page.GetByLabel("Concurrency limit")).ToHaveAttributeAsync("aria-invalid", "true");

        // The defaults are the schema's form (no JSON box while nothing outside the schema is stored); a default that is
        // not a number is caught in the page, one the schema refuses (times >= 1) by the server, each next to its field.
        await page.GetByLabel("Job variables").FillAsync("");
        await page.GetByLabel("Concurrency limit").FillAsync("");
        await Expect(page.Locator("#edit-parameters")).ToHaveCountAsync(0);
        var times = page.GetByLabel("times", new() { Exact = true });
        await Expect(times).ToHaveValueAsync("");
        await times.FillAsync("many");
        await save.ClickAsync();
        await Expect(page.Locator("#param-times-error")).ToContainTextAsync("not a whole number");
        await times.FillAsync("0");
        await save.ClickAsync();
        await Expect(page.Locator("#param-times-error")).ToContainTextAsync("times:");
        await Expect(times).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#edit-concurrency_limit-error")).ToHaveCountAsync(0);
        await ui.ScreenshotAsync("deployment-edit-errors");
        Assert.Empty((await ui.Client.GetDeploymentAsync(deployment.Id)).Parameters);

        await page.GetByLabel("Description").FillAsync("The nightly report");
        await page.GetByLabel("Tags").FillAsync("reports, nightly");
        await page.GetByLabel("Work queue of pool proc").SelectOptionAsync("urgent");
        await page.GetByLabel("Job variables").FillAsync("""{"env": {"REPORT": "full"}}""");
        await times.FillAsync("3");
        await page.GetByLabel("mode", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "full" });
        await page.GetByLabel("verbose", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "false" });
        await page.GetByLabel("options (JSON)").FillAsync("""{"retries": 2}""");
        await page.GetByLabel("Concurrency limit").FillAsync("2");
        await page.GetByLabel("When the limit is reached").SelectOptionAsync("CANCEL_NEW");
        await page.GetByLabel("Catch-up after an outage").SelectOptionAsync("SKIP");
        await save.ClickAsync();

        await Expect(page).ToHaveURLAsync(UiSession.Pattern($"/deployments/{deployment.Id}$"));
        await Expect(page.Locator("dl.facts")).ToContainTextAsync("2 (CancelNew)");
        var saved = await ui.Client.GetDeploymentAsync(deployment.Id);
        Assert.Equal("The nightly report", saved.Description);
        Assert.Equal(["reports", "nightly"], saved.Tags);
        Assert.Equal("urgent", saved.WorkQueueName);
        Assert.Equal("full", saved.JobVariables["env"]?["REPORT"]?.GetValue<string>());
        Assert.Equal(3, saved.Parameters["times"]?.GetValue<int>());
        Assert.Equal("full", saved.Parameters["mode"]?.GetValue<string>());
        Assert.False(saved.Parameters["verbose"]?.GetValue<bool>());
        Assert.Equal(2, saved.Parameters["options"]?["retries"]?.GetValue<int>());
        Assert.Equal((2, CollisionStrategy.CancelNew, CatchUpPolicy.Skip), (saved.ConcurrencyLimit, saved.CollisionStrategy, saved.CatchUp));

        // Emptied fields are cleared; nothing else changes.
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit", Exact = true }).ClickAsync();
        await Expect(page.GetByLabel("Concurrency limit")).ToHaveValueAsync("2");
        await Expect(times).ToHaveValueAsync("3");
        await ui.WaitInteractiveAsync();
        await page.GetByLabel("Concurrency limit").FillAsync("");
        await page.GetByLabel("Tags").FillAsync("");
        await times.FillAsync("");
        await save.ClickAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern($"/deployments/{deployment.Id}$"));
        var cleared = await ui.Client.GetDeploymentAsync(deployment.Id);
        Assert.Equal((null, 0, "urgent", "The nightly report"), (cleared.ConcurrencyLimit, cleared.Tags.Count, cleared.WorkQueueName, cleared.Description));
        Assert.Equal(["mode", "options", "verbose"], cleared.Parameters.Select(pair => pair.Key).Order(StringComparer.Ordinal));
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task DeleteDeployment_AskedFirst_ThenGoneFromStoreAndList()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.Client.PoolAsync("proc");
        var deployment = await ui.Client.CommandDeploymentAsync("proc", "doomed", "echo hi");
        await ui.OpenAsync($"deployments/{deployment.Id}", "shell/doomed");

        // The first click only asks; keeping it changes nothing.
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete deployment" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alertdialog)).ToContainTextAsync("Delete shell/doomed?");
        await ui.ScreenshotAsync("deployment-delete-confirm");
        await page.GetByRole(AriaRole.Button, new() { Name = "Keep it" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alertdialog)).ToHaveCountAsync(0);
        Assert.Equal("doomed", (await ui.Client.GetDeploymentAsync(deployment.Id)).Name);

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete deployment" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, delete shell/doomed" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/deployments$"));
        await Expect(ui.Row("data-deployment", "shell/doomed")).ToHaveCountAsync(0);
        var gone = await Assert.ThrowsAsync<BosunApiException>(() => ui.Client.GetDeploymentAsync(deployment.Id));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task Viewer_SeesNoDeploymentControls_AndTheApiRefusesThemAnyway()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var admin = await ui.EnableAuthAsync();
        await admin.PoolAsync("proc");
        var deployment = await admin.CommandDeploymentAsync("proc", "nightly", "echo hi");
        await admin.AddScheduleAsync(deployment.Id, new ScheduleSpec(Cron: "0 9 * * *"));
        var viewer = await ui.CreateKeyAsync("viewer", ApiKeyRole.Viewer);

        await page.GotoAsync($"deployments/{deployment.Id}");
        await ui.SubmitKeyAsync(viewer.Key);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "shell/nightly" })).ToBeVisibleAsync();
        await ui.WaitInteractiveAsync();
        await Expect(ui.Row("data-schedule", "cron 0 9 * * *")).ToBeVisibleAsync();
        await Expect(page.Locator("ol.upcoming[aria-label='Next scheduled runs'] li")).ToHaveCountAsync(10);
        await Expect(page.Locator("main button")).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Add a schedule" })).ToHaveCountAsync(0);
        await ui.ScreenshotAsync("deployment-viewer");

        using var viewerClient = ui.Server.NewClient(viewer.Key);
        var refused = await Assert.ThrowsAsync<BosunApiException>(() => viewerClient.PauseDeploymentAsync(deployment.Id));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.False((await admin.GetDeploymentAsync(deployment.Id)).Paused);
        ui.AssertNoBrowserErrors();
    }
}
