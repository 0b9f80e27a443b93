using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Security;
using Bosun.Contracts.States;
using Bosun.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Ui.Tests;

/// <summary>
/// The web UI once the server requires API keys: sign-in with a key, a session cookie that holds no key, pages that show
/// only what the key's role may do, and sessions that end when the key is revoked or the person signs out.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SignInTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task AnonymousVisit_LandsOnSignIn_WrongKeyAndRunTokenRefusedWithoutSession()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var admin = await ui.EnableAuthAsync();
        await admin.PoolAsync("proc");
        var deployment = await admin.CommandDeploymentAsync("proc", "hello", "echo hello");
        var run = await admin.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var runToken = (await admin.IssueRunTokenAsync(run.Id)).Token!;

        await page.GotoAsync("work-pools/proc");
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/signin\\?returnUrl=%2Fwork-pools%2Fproc$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "Sign in" })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("API key")).ToHaveAttributeAsync("type", "password");
        await ui.ScreenshotAsync("signin");

        await ui.SubmitKeyAsync("bosun_" + new string('0', 64));
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("That key is not valid");
        await Expect(page.GetByLabel("API key")).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Null(await ui.SessionCookieAsync());
        await ui.ScreenshotAsync("signin-wrong-key");

        // A run token works on its own run's API routes, never for the web UI.
        await ui.SubmitKeyAsync(runToken);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("run tokens cannot sign in");
        Assert.Null(await ui.SessionCookieAsync());

        await page.GotoAsync("flow-runs");
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/signin\\?returnUrl=%2Fflow-runs$"));
        Assert.DoesNotContain(run.Name, await page.ContentAsync(), StringComparison.Ordinal);
        // No AssertNoBrowserErrors here: Chromium logs the refused sign-ins' 401 status in the console, as it should.
    }

    [Fact]
    public async Task ViewerThenWorkerKey_SeePoolsAndRunsButNoControls()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var admin = await ui.EnableAuthAsync();
        await admin.PoolAsync("proc");
        var deployment = await admin.CommandDeploymentAsync("proc", "hello", "echo hello");
        var run = await admin.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var viewer = await ui.CreateKeyAsync("alice-viewer", ApiKeyRole.Viewer);
        var worker = await ui.CreateKeyAsync("box-7", ApiKeyRole.Worker);

        await page.GotoAsync("work-pools");
        await ui.SubmitKeyAsync(viewer.Key);
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/work-pools$"));
        await Expect(ui.Row("data-pool", "proc")).ToContainTextAsync("process");
        await Expect(page.Locator("[data-signed-in]")).ToHaveTextAsync("Signed in as alice-viewer (viewer)");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Create work pool" })).ToHaveCountAsync(0);

        await AssertReadOnlyAsync(ui, deployment.Id, run);
        await ui.OpenAsync("work-pools/proc", "proc");
        await ui.ScreenshotAsync("work-pool-viewer");

        // A viewer who goes straight to the forms' addresses gets a reason, not a form.
        await ui.OpenAsync($"deployments/{deployment.Id}/run", "Run shell/hello");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("only a developer or admin key can start runs; you are signed in as 'alice-viewer', a viewer key");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Run", Exact = true })).ToHaveCountAsync(0);
        await Expect(page.Locator(".preview pre")).ToContainTextAsync("\"stream_output\": true");
        await ui.OpenAsync("work-pools/new", "Create a work pool");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("only an admin key can create work pools");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true })).ToHaveCountAsync(0);

        // A worker's key may sign in too, and sees the same read-only pages.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/signin$"));
        await ui.SubmitKeyAsync(worker.Key);
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/$"));
        await Expect(page.Locator("[data-signed-in]")).ToHaveTextAsync("Signed in as box-7 (worker)");
        await AssertReadOnlyAsync(ui, deployment.Id, run);
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task DeveloperKey_RunsAndCancelsFromTheUi_ButDoesNotAdministerPools()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var admin = await ui.EnableAuthAsync();
        await admin.PoolAsync("proc");
        var deployment = await admin.CommandDeploymentAsync("proc", "hello", "echo hello");
        var developer = await ui.CreateKeyAsync("dev", ApiKeyRole.Developer);

        await page.GotoAsync($"deployments/{deployment.Id}");
        await ui.SubmitKeyAsync(developer.Key);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "shell/hello" })).ToBeVisibleAsync();
        // A person reads the page before clicking; a click in the instant the circuit takes the prerendered page over can be lost.
        await ui.WaitInteractiveAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Run", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "Run shell/hello" })).ToBeVisibleAsync();
        await ui.WaitInteractiveAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Run", Exact = true }).ClickAsync();

        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/flow-runs/[0-9a-f-]{36}$"));
        var runId = Guid.Parse(page.Url[^36..]);
        Assert.Equal(StateType.Scheduled, (await admin.GetFlowRunAsync(runId)).State.Type);
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel run" }).ClickAsync();
        await Expect(page.Locator(".page-head .state")).ToHaveAttributeAsync("data-state", "CANCELLED");
        Assert.Equal(StateType.Cancelled, (await admin.GetFlowRunAsync(runId)).State.Type);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Retry run" })).ToBeVisibleAsync();

        await ui.OpenAsync("work-pools/proc", "proc");
        await Expect(ui.Row("data-queue", "default")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Pause pool" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Create a queue" })).ToHaveCountAsync(0);
        ui.AssertNoBrowserErrors();
    }

    /// <summary>
    /// Looking is no change: a viewer opening every page that has actions (the forms included, which say why there is no
    /// form) leaves nothing in the audit log but the sign-in. Refused actions are recorded (UiAccessTests, UiAuditMatrixTests).
    /// </summary>
    [Fact]
    public async Task Viewer_OpeningEveryPageWithActions_WritesNoAuditEntry()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var admin = await ui.EnableAuthAsync();
        await admin.PoolAsync("proc");
        var deployment = await admin.CommandDeploymentAsync("proc", "hello", "echo hello");
        var run = await admin.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await admin.CreateAutomationAsync(new Contracts.Automations.AutomationCreate("on-failure",
            new Contracts.Automations.AutomationTrigger(Contracts.Automations.AutomationTriggerKind.RunState, [StateType.Failed]),
            [new Contracts.Automations.AutomationAction(Contracts.Automations.AutomationActionKind.Webhook, "http://127.0.0.1:9/hook")]));
        var viewer = await ui.CreateKeyAsync("looker", ApiKeyRole.Viewer);
        await page.GotoAsync("work-pools");
        await ui.SubmitKeyAsync(viewer.Key);
        await Expect(page.Locator("[data-signed-in]")).ToHaveTextAsync("Signed in as looker (viewer)");

        (string Path, string Heading)[] pages =
        [
            ("work-pools", "Work pools"), ("work-pools/new", "Create a work pool"), ("work-pools/proc", "proc"), ("work-pools/proc/template", "proc"),
            ("deployments", "Deployments"), ($"deployments/{deployment.Id}", "shell/hello"), ($"deployments/{deployment.Id}/run", "Run shell/hello"),
            ($"deployments/{deployment.Id}/edit", "Edit shell/hello"), ("flow-runs", "Flow runs"), ($"flow-runs/{run.Id}", run.Name),
            ("automations", "Automations"), ("automations/new", "Create an automation"), ("automations/on-failure", "on-failure"),
            ("automations/on-failure/edit", "Edit on-failure"), ("concurrency-limits", "Concurrency limits"), ("admin/api-keys", "API keys"),
            ("admin/secrets", "Secrets"), ("admin/audit", "Audit log"), ("workers", "Workers"),
        ];
        foreach (var (path, heading) in pages)
        {
            await ui.OpenAsync(path, heading);
        }

        // The form pages said why there is no form, as they did when that was (wrongly) recorded as a refused change.
        await ui.OpenAsync("work-pools/new", "Create a work pool");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("only an admin key can create work pools");
        var entries = (await admin.ListAuditEntriesAsync(TimeSpan.FromHours(1), "looker")).Items;
        Assert.Equal([("SignIn", 200)], entries.Select(entry => (entry.Action, entry.Status)));
        ui.AssertNoBrowserErrors();
    }

    /// <summary>An admin lists the web UI's sessions on the keys page and revokes one; it stops working at once, and the revocation is audited.</summary>
    [Fact]
    public async Task Admin_RevokesAnotherSessionFromTheKeysPage_ItEndsAtOnce()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var admin = await ui.EnableAuthAsync();
        var adminKey = await ui.CreateKeyAsync("ops", ApiKeyRole.Admin);
        var viewer = await ui.CreateKeyAsync("bob", ApiKeyRole.Viewer);
        var bobCookie = await UiSignIn.SignInAsync(ui.Server.Server.BaseAddress, viewer.Key);
        Assert.Equal(System.Net.HttpStatusCode.OK, await UiSignIn.OpenAsync(ui.Server.Server.BaseAddress, bobCookie));
        var bobSession = Assert.Single(await admin.ListUiSessionsAsync(), session => session.KeyName == "bob");

        await page.GotoAsync("admin/api-keys");
        await ui.SubmitKeyAsync(adminKey.Key);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "API keys" })).ToBeVisibleAsync();
        await ui.WaitInteractiveAsync();
        var row = page.Locator($"[data-session='{bobSession.Id}']");
        await Expect(row).ToContainTextAsync("Active");
        await Expect(page.Locator("[data-session-key='ops']")).ToContainTextAsync("Active");
        await ui.ScreenshotAsync("sessions-admin");
        await row.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();

        await Expect(row).ToContainTextAsync("Ended");
        Assert.Equal(System.Net.HttpStatusCode.Redirect, await UiSignIn.OpenAsync(ui.Server.Server.BaseAddress, bobCookie));
        var entry = Assert.Single((await admin.ListAuditEntriesAsync(TimeSpan.FromHours(1), "ops")).Items, e => e.Action == "RevokeUiSession");
        Assert.Equal((200, "UI /admin/api-keys"), (entry.Status, entry.Route));
        Assert.Contains(bobSession.Id.ToString(), entry.Summary, StringComparison.Ordinal);
        // The admin's own session goes on.
        await ui.OpenAsync("admin/api-keys", "API keys");
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task SessionCookie_HttpOnlyStrictHoldsNoKey_SignOutEndsTheSession()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        await ui.EnableAuthAsync();
        var viewer = await ui.CreateKeyAsync("viewer", ApiKeyRole.Viewer);
        await page.GotoAsync("flow-runs");
        await ui.SubmitKeyAsync(viewer.Key);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "Flow runs" })).ToBeVisibleAsync();

        var cookie = await ui.SessionCookieAsync();
        Assert.NotNull(cookie);
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.False(cookie.Secure);
        Assert.Equal("/", cookie.Path);
        Assert.Equal(-1, cookie.Expires);
        Assert.DoesNotContain(viewer.Key, cookie.Value, StringComparison.Ordinal);
        Assert.DoesNotContain(UiSession.SessionCookie, await page.EvaluateAsync<string>("() => document.cookie"), StringComparison.Ordinal);

        // The circuit runs with the session: the page updates live.
        await ui.OpenAsync("work-pools", "Work pools");
        await ui.MarkDocumentAsync();
        await ui.Admin.PoolAsync("appeared-later");
        await Expect(ui.Row("data-pool", "appeared-later")).ToBeVisibleAsync();
        await ui.AssertNotReloadedAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/signin$"));
        Assert.Null(await ui.SessionCookieAsync());
        await page.GotoAsync("work-pools");
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/signin\\?returnUrl=%2Fwork-pools$"));
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task RevokedKey_ReloadGoesToSignIn_AndAnOpenPageFollowsOnItsOwn()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var admin = await ui.EnableAuthAsync();
        await admin.PoolAsync("proc");
        var first = await ui.CreateKeyAsync("first", ApiKeyRole.Viewer);
        var second = await ui.CreateKeyAsync("second", ApiKeyRole.Viewer);

        await page.GotoAsync("work-pools/proc");
        await ui.SubmitKeyAsync(first.Key);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "proc" })).ToBeVisibleAsync();
        await admin.RevokeApiKeyAsync(first.ApiKey.Id);
        await page.ReloadAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/signin\\?returnUrl=%2Fwork-pools%2Fproc$"));
        Assert.Null(await ui.SessionCookieAsync());
        await ui.SubmitKeyAsync(first.Key);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("That key is not valid");

        // Left open, a live page notices within seconds, stops reading and goes to sign in.
        await ui.SubmitKeyAsync(second.Key);
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/work-pools/proc$"));
        await Expect(ui.Row("data-queue", "default")).ToBeVisibleAsync();
        // Live: the prerendered page's circuit is up (a circuit started after the revocation is refused by the gate).
        await ui.WaitInteractiveAsync();
        await admin.RevokeApiKeyAsync(second.ApiKey.Id);
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/signin\\?returnUrl=%2Fwork-pools%2Fproc$"));
    }

    [Fact]
    public async Task RevokedDeveloperKey_RunButtonOnAnOpenForm_RefusedAndNoRunCreated()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var admin = await ui.EnableAuthAsync();
        await admin.PoolAsync("proc");
        var deployment = await admin.CommandDeploymentAsync("proc", "hello", "echo hello");
        var developer = await ui.CreateKeyAsync("dev", ApiKeyRole.Developer);
        await page.GotoAsync($"deployments/{deployment.Id}/run");
        await ui.SubmitKeyAsync(developer.Key);
        var run = page.GetByRole(AriaRole.Button, new() { Name = "Run", Exact = true });
        await Expect(run).ToBeEnabledAsync();

        // The form is not a live page: only the check in the button's handler stands between the click and a new run.
        await admin.RevokeApiKeyAsync(developer.ApiKey.Id);
        await run.ClickAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern($"/signin\\?returnUrl=%2Fdeployments%2F{deployment.Id}%2Frun$"));
        Assert.Equal(0, (await admin.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: deployment.Id))).Total);
    }

    [Fact]
    public async Task LinkFromAnotherSite_OpensThePageSignedIn()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var admin = await ui.EnableAuthAsync();
        await admin.PoolAsync("proc");
        var viewer = await ui.CreateKeyAsync("viewer", ApiKeyRole.Viewer);
        await page.GotoAsync("work-pools");
        await ui.SubmitKeyAsync(viewer.Key);
        await Expect(ui.Row("data-pool", "proc")).ToBeVisibleAsync();

        // localhost and 127.0.0.1 are different sites: a page on the first links to the UI on the second, as a chat message would.
        var elsewhere = new UriBuilder(ui.Server.Server.BaseAddress) { Host = "localhost", Path = "signin" }.Uri;
        var target = new Uri(ui.Server.Server.BaseAddress, "work-pools/proc").ToString();
        await page.GotoAsync(elsewhere.ToString());
        await page.EvaluateAsync("url => { const a = document.createElement('a'); a.href = url; a.textContent = 'the pool'; document.body.append(a); }", target);
        await page.GetByRole(AriaRole.Link, new() { Name = "the pool" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(target);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "proc" })).ToBeVisibleAsync();
        await Expect(page.Locator("[data-signed-in]")).ToHaveTextAsync("Signed in as viewer (viewer)");
    }

    /// <summary>The pool page, the run page and the deployment pages without a single control that changes something.</summary>
    private static async Task AssertReadOnlyAsync(UiSession ui, Guid deploymentId, FlowRun run)
    {
        var page = ui.Page;
        await ui.OpenAsync("work-pools/proc", "proc");
        await Expect(ui.Row("data-queue", "default")).ToBeVisibleAsync();
        await Expect(page.Locator("main button")).ToHaveCountAsync(0);
        await Expect(page.Locator("main form")).ToHaveCountAsync(0);
        await Expect(page.Locator("main input")).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Create a queue" })).ToHaveCountAsync(0);

        await ui.OpenAsync($"flow-runs/{run.Id}", run.Name);
        await Expect(page.Locator(".page-head .state")).ToHaveAttributeAsync("data-state", "SCHEDULED");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cancel run" })).ToHaveCountAsync(0);
        await Expect(page.Locator("main button")).ToHaveCountAsync(0);

        await ui.OpenAsync($"deployments/{deploymentId}", "shell/hello");
        await Expect(page.Locator("dl.facts")).ToContainTextAsync("proc");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Run", Exact = true })).ToHaveCountAsync(0);
        // No pause, delete or schedule controls, no edit link; the edit page's address gives a reason, not a form.
        await Expect(page.Locator("main button")).ToHaveCountAsync(0);
        await Expect(page.Locator("main form")).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Edit", Exact = true })).ToHaveCountAsync(0);
        await ui.OpenAsync($"deployments/{deploymentId}/edit", "Edit shell/hello");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("only a developer or admin key can edit deployments");
        await Expect(page.Locator("main form")).ToHaveCountAsync(0);
        // The runs list has no checkboxes or bulk actions.
        await ui.OpenAsync("flow-runs", "Flow runs");
        await Expect(ui.Row("data-run", run.Name)).ToBeVisibleAsync();
        await Expect(page.Locator("main input[type=checkbox]")).ToHaveCountAsync(0);
        await ui.OpenAsync("deployments", "Deployments");
        await Expect(ui.Row("data-deployment", "shell/hello")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Run shell/hello" })).ToHaveCountAsync(0);
    }
}
