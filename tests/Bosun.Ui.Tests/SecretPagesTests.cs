using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Security;
using Bosun.Contracts.States;
using Bosun.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Ui.Tests;

/// <summary>A secret in a run's job variables, end to end with auth on: the run's pages show its reference and masks, never its value.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SecretPagesTests(BrowserFixture browser, ITestOutputHelper output)
{
    private const string Secret = "ui-s3cr3t-Value-7171";

    [Fact]
    public async Task SecretInJobVariables_DeploymentRunAndPreviewPages_NeverShowTheValue()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var admin = await ui.EnableAuthAsync();
        await admin.SetSecretAsync("db-password", Secret);
        await admin.PoolAsync("proc");
        var workerKey = await ui.CreateKeyAsync("worker", ApiKeyRole.Worker);
        // The flow prints the value, to stdout and to stderr; the worker's run token (not its key) lets it report its states.
        var script = $"""echo "password is $DB_PASSWORD"; echo "again: $DB_PASSWORD" >&2; {FakeFlow.Propose("RUNNING")}; {FakeFlow.Propose("COMPLETED")}""";
        var deployment = await admin.CommandDeploymentAsync("proc", "secret", FakeFlow.Shell(script),
            jobVariables: JsonNode.Parse("""{"env": {"DB_PASSWORD": "{{ secret.db-password }}"}}""")!.AsObject());

        FlowRun run;
        await using (await TestWorker.StartAsync(ui.Server, UiScenario.Worker("proc", "secret-worker"), workerKey.Key))
        {
            run = await admin.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
            await Eventually.WaitUntilAsync(async () => (await admin.GetFlowRunAsync(run.Id)).State.Type.IsTerminal(), "the run has finished");
        }

        Assert.Equal(StateType.Completed, (await admin.GetFlowRunAsync(run.Id)).State.Type);
        await page.GotoAsync($"flow-runs/{run.Id}");
        await ui.SubmitKeyAsync(ui.AdminKey);

        // The run page with its logs: the lines are there, masked.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = run.Name })).ToBeVisibleAsync();
        var logs = page.GetByRole(AriaRole.Log);
        await Expect(logs).ToContainTextAsync("password is ********");
        await Expect(logs).ToContainTextAsync("again: ********");
        await Expect(page.Locator(".page-head .state")).ToHaveAttributeAsync("data-state", "COMPLETED");
        var pages = new List<(string Name, string Html)> { ("run", await page.ContentAsync()) };

        // The deployment page shows the reference, not the value.
        await ui.OpenAsync($"deployments/{deployment.Id}", "shell/secret");
        await Expect(page.GetByLabel("Job variables")).ToContainTextAsync("{{ secret.db-password }}");
        await Expect(ui.Row("data-run", run.Name)).ToBeVisibleAsync();
        pages.Add(("deployment", await page.ContentAsync()));

        // The run form's preview, as loaded and with a run-level override that names the secret again.
        await ui.OpenAsync($"deployments/{deployment.Id}/run", "Run shell/secret");
        var preview = page.Locator(".preview pre");
        await Expect(preview).ToContainTextAsync("DB_PASSWORD");
        pages.Add(("preview", await page.ContentAsync()));
        await page.GetByLabel("Overrides for this run").FillAsync("""{"env": {"ALSO": "{{ secret.db-password }}"}}""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview job configuration" }).ClickAsync();
        await Expect(preview).ToContainTextAsync("ALSO");
        pages.Add(("preview with override", await page.ContentAsync()));

        await ui.OpenAsync("flow-runs", "Flow runs");
        await Expect(ui.Row("data-run", run.Name)).ToBeVisibleAsync();
        pages.Add(("runs", await page.ContentAsync()));
        await ui.OpenAsync("work-pools/proc/runs", "proc");
        await Expect(ui.Row("data-run", run.Name)).ToBeVisibleAsync();
        pages.Add(("pool runs", await page.ContentAsync()));

        foreach (var (name, html) in pages)
        {
            Assert.False(html.Contains(Secret, StringComparison.Ordinal), $"the {name} page shows the secret's value");
            Assert.False(html.Contains(workerKey.Key, StringComparison.Ordinal), $"the {name} page shows the worker's key");
        }

        ui.AssertNoBrowserErrors();
    }
}
