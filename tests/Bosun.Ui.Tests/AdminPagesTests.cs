using Bosun.Client;
using Bosun.Contracts.ConcurrencyLimits;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Security;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Ui.Tests;

/// <summary>
/// The admin pages with authentication on: each action done in Chromium, then checked through the API (and the audit
/// log, which names the signed-in key as the actor of every UI change).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AdminPagesTests(BrowserFixture browser, ITestOutputHelper output)
{
    /// <summary>Opens <paramref name="path"/>, signs in with <paramref name="key"/> and waits for the page's circuit.</summary>
    private static async Task SignInAtAsync(UiSession ui, string path, string key, string heading)
    {
        await ui.Page.GotoAsync(path);
        await ui.SubmitKeyAsync(key);
        await Expect(ui.Page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = heading })).ToBeVisibleAsync();
        await Expect(ui.Page.Locator("[aria-busy=true]")).ToHaveCountAsync(0);
        await ui.WaitInteractiveAsync();
    }

    [Fact]
    public async Task UiAction_PausingAPool_AuditedWithTheSignedInKeyAsActor()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var admin = await ui.EnableAuthAsync();
        await admin.PoolAsync("proc");
        var operatorKey = await ui.CreateKeyAsync("ops-olga", ApiKeyRole.Admin);
        await SignInAtAsync(ui, "work-pools/proc", operatorKey.Key, "proc");

        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Pause pool" }).ClickAsync();
        await Expect(ui.Page.GetByRole(AriaRole.Button, new() { Name = "Resume pool" })).ToBeVisibleAsync();
        Assert.True((await admin.GetWorkPoolAsync("proc")).Paused);

        var entries = (await admin.ListAuditEntriesAsync(keyName: "ops-olga")).Items;
        var entry = Assert.Single(entries, e => e.Action == "PauseWorkPool");
        Assert.Equal(operatorKey.ApiKey.Id, entry.KeyId);
        Assert.Equal("UI /work-pools/proc", entry.Route);
        Assert.Equal(200, entry.Status);
        Assert.Contains("name=proc", entry.Summary, StringComparison.Ordinal);
        // Reading pages changed nothing: besides the sign-in (a session, recorded as SignIn), the pause is the key's only entry.
        Assert.Equal(["PauseWorkPool", "SignIn"], entries.Select(e => e.Action).Order(StringComparer.Ordinal));
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task PoolPage_DeleteConfirmed_PoolGoneAuditedBackOnThePoolsList()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var admin = await ui.EnableAuthAsync();
        await admin.PoolAsync("doomed");
        await admin.PoolAsync("kept");
        await SignInAtAsync(ui, "work-pools/doomed", ui.AdminKey, "doomed");

        // Keeping it closes the dialog and changes nothing.
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete pool" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Alertdialog);
        await Expect(dialog).ToContainTextAsync("Delete work pool doomed?");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Keep it" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        Assert.Equal("doomed", (await admin.GetWorkPoolAsync("doomed")).Name);

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete pool" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, delete doomed" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/work-pools$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "Work pools" })).ToBeVisibleAsync();
        await Expect(ui.Row("data-pool", "kept")).ToBeVisibleAsync();
        await Expect(ui.Row("data-pool", "doomed")).ToHaveCountAsync(0);
        var gone = await Assert.ThrowsAsync<BosunApiException>(() => admin.GetWorkPoolAsync("doomed"));
        Assert.Equal(404, (int)gone.StatusCode);
        var entry = Assert.Single((await admin.ListAuditEntriesAsync(keyName: "admin")).Items, e => e.Action == "DeleteWorkPool");
        Assert.Equal(("UI /work-pools/doomed", 200), (entry.Route, entry.Status));
        Assert.Contains("name=doomed", entry.Summary, StringComparison.Ordinal);
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task PoolPage_DeleteWithARunInFlight_ShowsTheApisConflictAndKeepsThePool()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var admin = await ui.EnableAuthAsync();
        await admin.PoolAsync("busy");
        var deployment = await admin.DeploymentAsync("busy");
        var run = await admin.RunAsync(deployment);
        Assert.Equal(run.Id, Assert.Single((await admin.ClaimAsync("busy")).Runs).FlowRun.Id);
        await SignInAtAsync(ui, "work-pools/busy", ui.AdminKey, "busy");

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete pool" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, delete busy" }).ClickAsync();

        await Expect(page.Locator("main")).ToContainTextAsync("has 1 run(s) in flight");
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("/work-pools/busy$"));
        Assert.Equal("busy", (await admin.GetWorkPoolAsync("busy")).Name);
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task AuditLogPage_FiltersByActorActionAndTarget_PagesWithACursor()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var admin = await ui.EnableAuthAsync();
        for (var i = 0; i < 55; i++)
        {
            await admin.SetSecretAsync($"s-{i:D2}", "hidden-value-" + i);
        }

        await admin.PoolAsync("audited-pool");
        await SignInAtAsync(ui, "admin/audit", ui.AdminKey, "Audit log");
        await Expect(page.Locator("[data-nav-admin]")).ToBeVisibleAsync();

        await page.GetByLabel("Action").FillAsync("SetSecret");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("admin/audit\\?action=SetSecret&since=24h$"));
        await Expect(page.Locator("tr[data-audit]")).ToHaveCountAsync(50);
        await Expect(page.GetByText("55 entries match.")).ToBeVisibleAsync();
        await ui.ScreenshotAsync("admin-audit");
        var firstPage = await page.Locator("tr[data-audit]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.audit)");

        await page.GetByRole(AriaRole.Link, new() { Name = "Next page" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(UiSession.Pattern("cursor="));
        await Expect(page.Locator("tr[data-audit]")).ToHaveCountAsync(5);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Next page" })).ToHaveCountAsync(0);
        var secondPage = await page.Locator("tr[data-audit]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.audit)");
        // The two pages are the API's 55 entries, each once, none holding a value.
        var all = (await admin.ListAuditEntriesAsync(limit: 200)).Items.Where(e => e.Action == "SetSecret").ToList();
        Assert.Equal(all.Select(e => e.Id.ToString()).Order(), firstPage.Concat(secondPage).Order());
        Assert.DoesNotContain("hidden-value", await page.ContentAsync(), StringComparison.Ordinal);

        // The back button returns to the first page; a target filter finds the pool's creation.
        await page.GoBackAsync();
        await Expect(page.Locator("tr[data-audit]")).ToHaveCountAsync(50);
        await ui.OpenAsync("admin/audit?target=audited-pool", "Audit log");
        var row = page.Locator("tr[data-audit]");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToHaveAttributeAsync("data-action", "CreateWorkPool");
        await ui.OpenAsync("admin/audit?actor=nobody", "Audit log");
        await Expect(page.GetByText("No entry matches.")).ToBeVisibleAsync();
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task ApiKeysPage_CreatesAKeyShownOnce_ListsAndRevokesIt()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var admin = await ui.EnableAuthAsync();
        await admin.PoolAsync("gpu");
        await SignInAtAsync(ui, "admin/api-keys", ui.AdminKey, "API keys");

        await page.GetByLabel("Name").FillAsync("ci-runner");
        await page.GetByLabel("Role").SelectOptionAsync("Worker");
        await page.GetByLabel("Pools (worker keys; optional)").FillAsync("gpu");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        var shown = page.Locator("[data-new-key]");
        await Expect(shown).ToHaveValueAsync(UiSession.Pattern("^bosun_"));
        var key = await shown.InputValueAsync();
        await ui.ScreenshotAsync("admin-api-keys");

        var created = Assert.Single(await admin.ListApiKeysAsync(), k => k.Name == "ci-runner");
        Assert.Equal(ApiKeyRole.Worker, created.Role);
        Assert.Equal(["gpu"], created.Pools);
        using (var worker = ui.Server.NewClient(key))
        {
            await worker.SendWorkerHeartbeatAsync("gpu", new WorkerHeartbeat("w1"));
        }

        // Shown once: hidden, and a reload does not bring it back.
        await page.GetByRole(AriaRole.Button, new() { Name = "Done, hide it" }).ClickAsync();
        await Expect(shown).ToHaveCountAsync(0);
        await ui.OpenAsync("admin/api-keys", "API keys");
        Assert.DoesNotContain(key, await page.ContentAsync(), StringComparison.Ordinal);

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke key ci-runner" }).ClickAsync();
        await Expect(ui.Row("data-key", "ci-runner")).ToContainTextAsync("Revoked");
        Assert.True((await admin.ListApiKeysAsync()).Single(k => k.Name == "ci-runner").Revoked);
        using (var revoked = ui.Server.NewClient(key))
        {
            var refused = await Assert.ThrowsAsync<BosunApiException>(() => revoked.SendWorkerHeartbeatAsync("gpu", new WorkerHeartbeat("w1")));
            Assert.Equal(401, (int)refused.StatusCode);
        }

        var audit = (await admin.ListAuditEntriesAsync(keyName: "admin")).Items;
        Assert.Contains(audit, e => e.Action == "CreateApiKey" && e.Route == "UI /admin/api-keys" && e.Summary.Contains("ci-runner", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.Action == "RevokeApiKey" && e.Summary.Contains(created.Id.ToString(), StringComparison.Ordinal));
        Assert.DoesNotContain(audit, e => e.Summary.Contains(key, StringComparison.Ordinal));
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task SecretsPage_SetsListsAndDeletes_NeverShowsTheValue()
    {
        const string Value = "pa55-Word-UI-9182";
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var admin = await ui.EnableAuthAsync();
        await SignInAtAsync(ui, "admin/secrets", ui.AdminKey, "Secrets");
        await Expect(page.GetByText("No secrets yet.")).ToBeVisibleAsync();

        await page.GetByLabel("Name").FillAsync("db-password");
        await page.GetByLabel("Value").FillAsync(Value);
        await Expect(page.GetByLabel("Value")).ToHaveAttributeAsync("type", "password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set secret" }).ClickAsync();
        await Expect(ui.Row("data-secret", "db-password")).ToContainTextAsync("{{ secret.db-password }}");
        await Expect(page.GetByLabel("Value")).ToHaveValueAsync("");
        await ui.ScreenshotAsync("admin-secrets");
        Assert.Contains(await admin.ListSecretsAsync(), s => s.Name == "db-password");
        Assert.DoesNotContain(Value, await page.ContentAsync(), StringComparison.Ordinal);

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete secret db-password" }).ClickAsync();
        await Expect(ui.Row("data-secret", "db-password")).ToHaveCountAsync(0);
        Assert.Empty(await admin.ListSecretsAsync());

        var audit = (await admin.ListAuditEntriesAsync(keyName: "admin")).Items;
        Assert.Contains(audit, e => e.Action == "SetSecret" && e.Route == "UI /admin/secrets" && e.Summary.Contains("db-password", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.Action == "DeleteSecret");
        Assert.DoesNotContain(audit, e => e.Summary.Contains(Value, StringComparison.Ordinal));
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task WorkersPage_EveryPoolsWorkers_WithHeartbeatAgeAndRunsInFlight()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var client = ui.Client;
        await client.PoolAsync("east");
        await client.PoolAsync("west");
        var deployment = await client.CommandDeploymentAsync("east", "hello", "echo hello");
        await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await client.SendWorkerHeartbeatAsync("west", new WorkerHeartbeat("idle-w", "process", 30));
        var claimed = await client.ClaimFlowRunsAsync("east", new ClaimRequest("busy-e", WorkerType: "process"));
        Assert.Single(claimed.Runs);

        await ui.OpenAsync("workers", "Workers");
        var busy = page.Locator("tr[data-worker=\"busy-e\"][data-pool=\"east\"]");
        var idle = page.Locator("tr[data-worker=\"idle-w\"][data-pool=\"west\"]");
        await Expect(busy.Locator("[data-in-flight]")).ToHaveAttributeAsync("data-in-flight", "1");
        await Expect(idle.Locator("[data-in-flight]")).ToHaveAttributeAsync("data-in-flight", "0");
        await Expect(busy.Locator("[data-heartbeat-age]")).ToContainTextAsync(UiSession.Pattern("ago|just now"));
        await Expect(busy).ToContainTextAsync("Online");
        await ui.ScreenshotAsync("workers");
        // The page agrees with the API's per-pool lists.
        Assert.Contains(await client.ListWorkersAsync("east"), w => w.Name == "busy-e");
        Assert.Contains(await client.ListWorkersAsync("west"), w => w.Name == "idle-w");
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task ConcurrencyLimitsPage_CreatesChangesAndDeletesATagLimit()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var admin = await ui.EnableAuthAsync();
        await SignInAtAsync(ui, "concurrency-limits", ui.AdminKey, "Concurrency limits");

        await page.GetByLabel("Tag").FillAsync("database");
        await page.GetByLabel("Limit", new() { Exact = true }).FillAsync("3");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set limit" }).ClickAsync();
        await Expect(ui.Row("data-limit", "database")).ToContainTextAsync("0 / 3");
        Assert.Equal(3, (await admin.GetConcurrencyLimitAsync("database")).Limit);

        await page.GetByLabel("Tag").FillAsync("database");
        await page.GetByLabel("Limit", new() { Exact = true }).FillAsync("x");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set limit" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("whole number");
        await page.GetByLabel("Limit", new() { Exact = true }).FillAsync("5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set limit" }).ClickAsync();
        await Expect(ui.Row("data-limit", "database")).ToContainTextAsync("0 / 5");
        Assert.Equal(5, (await admin.GetConcurrencyLimitAsync("database")).Limit);
        await ui.ScreenshotAsync("concurrency-limits");

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete limit database" }).ClickAsync();
        await Expect(ui.Row("data-limit", "database")).ToHaveCountAsync(0);
        Assert.Empty(await admin.ListConcurrencyLimitsAsync());
        Assert.Contains((await admin.ListAuditEntriesAsync(keyName: "admin")).Items, e => e.Action == "DeleteConcurrencyLimit" && e.Route == "UI /concurrency-limits");
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task PoolTemplateTab_PolicyShownAndEdited_RefusalShownInPlace()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var admin = await ui.EnableAuthAsync();
        await admin.PoolAsync("proc");
        await SignInAtAsync(ui, "work-pools/proc/template", ui.AdminKey, "proc");
        // A new process pool constrains working_dir.
        await Expect(ui.Row("data-policy", "working_dir")).ToHaveAttributeAsync("data-mode", "constrained");

        var editor = page.GetByLabel("Policy (JSON: variable → rule)");
        await editor.FillAsync("""{"no_such_variable": {"mode": "locked"}}""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save policy" }).ClickAsync();
        var errors = page.Locator("#policy-errors");
        await Expect(errors).ToContainTextAsync("no_such_variable");
        await Expect(editor).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Equal(JobVariableRuleMode.Constrained, (await admin.GetWorkPoolAsync("proc")).JobVariablePolicy!["working_dir"].Mode);
        await ui.ScreenshotAsync("work-pool-policy-refused");

        await editor.FillAsync("""{"working_dir": {"mode": "locked"}}""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save policy" }).ClickAsync();
        await Expect(ui.Row("data-policy", "working_dir")).ToHaveAttributeAsync("data-mode", "locked");
        await Expect(errors).ToHaveCountAsync(0);
        var policy = (await admin.GetWorkPoolAsync("proc")).JobVariablePolicy!;
        Assert.Equal(JobVariableRuleMode.Locked, Assert.Single(policy).Value.Mode);
        Assert.Contains((await admin.ListAuditEntriesAsync(keyName: "admin")).Items,
            e => e.Action == "UpdateWorkPool" && e.Route == "UI /work-pools/proc/template" && e.Summary.Contains("working_dir", StringComparison.Ordinal));
        ui.AssertNoBrowserErrors();
    }

    [Theory]
    [InlineData(ApiKeyRole.Viewer)]
    [InlineData(ApiKeyRole.Developer)]
    [InlineData(ApiKeyRole.Admin)]
    public async Task EachRole_SeesOnlyTheAdminControlsItMayUse(ApiKeyRole role)
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var admin = await ui.EnableAuthAsync();
        await admin.PoolAsync("proc");
        await admin.SetSecretAsync("token", "v");
        await admin.CreateConcurrencyLimitAsync(new ConcurrencyLimitCreate("db", 2));
        var key = await ui.CreateKeyAsync("someone", role);
        var isAdmin = role == ApiKeyRole.Admin;
        await SignInAtAsync(ui, "concurrency-limits", key.Key, "Concurrency limits");

        await Expect(ui.Row("data-limit", "db")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-nav-admin]")).ToHaveCountAsync(isAdmin ? 1 : 0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Set limit" })).ToHaveCountAsync(isAdmin ? 1 : 0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Delete limit db" })).ToHaveCountAsync(isAdmin ? 1 : 0);

        await ui.OpenAsync("work-pools/proc/template", "proc");
        await Expect(ui.Row("data-policy", "working_dir")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save policy" })).ToHaveCountAsync(isAdmin ? 1 : 0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Delete pool" })).ToHaveCountAsync(isAdmin ? 1 : 0);

        foreach (var (path, heading) in new[] { ("admin/api-keys", "API keys"), ("admin/secrets", "Secrets"), ("admin/audit", "Audit log") })
        {
            await ui.OpenAsync(path, heading);
            await Expect(page.Locator("[data-admin-only]")).ToHaveCountAsync(isAdmin ? 0 : 1);
            // The keys page has a second table, of the web UI's sessions.
            await Expect(page.Locator("table")).ToHaveCountAsync(isAdmin ? (path == "admin/api-keys" ? 2 : 1) : 0);
            await ui.ScreenshotAsync($"{path.Replace('/', '-')}-{role.ToString().ToLowerInvariant()}");
        }

        await ui.OpenAsync("workers", "Workers");
        // Whatever the page showed, the API agrees: only the admin may list keys.
        using var client = ui.Server.NewClient(key.Key);
        if (isAdmin)
        {
            Assert.NotEmpty(await client.ListApiKeysAsync());
        }
        else
        {
            Assert.Equal(403, (int)(await Assert.ThrowsAsync<BosunApiException>(() => client.ListApiKeysAsync())).StatusCode);
        }

        ui.AssertNoBrowserErrors();
    }
}
