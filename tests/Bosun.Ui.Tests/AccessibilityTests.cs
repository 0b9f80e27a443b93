using System.Text.Json;
using Bosun.Contracts.FlowRuns;
using Bosun.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Bosun.Ui.Tests;

/// <summary>
/// Every page, with data on it, checked in Chromium by axe-core (the engine of the browsers' accessibility audits,
/// installed from npm by scripts/ci-setup/40-node.sh into tests/Bosun.Ui.Tests/a11y) against the WCAG 2.0/2.1 A and AA
/// rules, in the light and the dark theme: no violation of any impact.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AccessibilityTests(BrowserFixture browser, ITestOutputHelper output)
{
    private static readonly string AxeScript = Path.Combine(RepoPaths.Root, "tests", "Bosun.Ui.Tests", "a11y", "node_modules", "axe-core", "axe.min.js");

    [Theory]
    [InlineData(ColorScheme.Light)]
    [InlineData(ColorScheme.Dark)]
    public async Task EveryPage_WithData_NoWcagViolation(ColorScheme scheme)
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        if (!File.Exists(AxeScript))
        {
            Assert.Fail($"axe-core is missing at {AxeScript}: run scripts/ci-setup/40-node.sh (npm ci in tests/Bosun.Ui.Tests/a11y).");
        }

        await ui.Page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = scheme });
        var client = ui.Client;
        await client.PoolAsync("a11y-pool");
        var deployment = await client.CommandDeploymentAsync("a11y-pool", "a11y", "echo hello");
        var done = await client.RunAsync(deployment, name: "a11y-done");
        var paused = await client.RunAsync(deployment, name: "a11y-paused");
        await client.ClaimAsync("a11y-pool");
        // A result panel on the completed run; a resume form on the paused one.
        await client.SetFlowRunResultAsync(done.Id, new Contracts.Results.ResultWrite(System.Text.Json.Nodes.JsonNode.Parse("""{"stars": 110, "name": "bosun"}""")));
        await client.CompleteAsync(done.Id);
        await client.SetFlowRunStateAsync(paused.Id, new Contracts.States.StateProposal(Contracts.States.StateType.Running));
        await client.PauseFlowRunAsync(paused.Id, new FlowRunPause(System.Text.Json.Nodes.JsonNode.Parse(
            """{"type": "object", "properties": {"approved": {"type": "boolean"}, "reviewer": {"type": "string"}}, "required": ["approved", "reviewer"]}""")!.AsObject(), 3600));
        var waiting = await client.RunAsync(deployment, name: "a11y-waiting");
        await client.CreateAutomationAsync(new Contracts.Automations.AutomationCreate("a11y-rule",
            new Contracts.Automations.AutomationTrigger(Contracts.Automations.AutomationTriggerKind.RunState, Deployment: "a11y-flow/a11y"),
            [new Contracts.Automations.AutomationAction(Contracts.Automations.AutomationActionKind.Webhook, "https://hooks.example.com/a11y"),
                new Contracts.Automations.AutomationAction(Contracts.Automations.AutomationActionKind.PauseDeployment)]));

        string[] pages =
        [
            "", "work-pools", "work-pools/new", "work-pools/a11y-pool", "work-pools/a11y-pool/workers", "work-pools/a11y-pool/runs", "work-pools/a11y-pool/upcoming",
            "work-pools/a11y-pool/template", "deployments", $"deployments/{deployment.Id}", $"deployments/{deployment.Id}/edit",
            $"deployments/{deployment.Id}/run", "flow-runs", $"flow-runs/{done.Id}", $"flow-runs/{waiting.Id}", $"flow-runs/{paused.Id}", "automations",
            "automations/new", "automations/a11y-rule", "automations/a11y-rule/edit", "search?q=a11y", "workers", "concurrency-limits", "admin/audit", "admin/api-keys", "admin/secrets",
        ];
        var failures = new List<string>();
        foreach (var path in pages)
        {
            await ui.Page.GotoAsync(path);
            await Microsoft.Playwright.Assertions.Expect(ui.Page.Locator("h1")).ToBeVisibleAsync();
            await Microsoft.Playwright.Assertions.Expect(ui.Page.Locator("[aria-busy=true]")).ToHaveCountAsync(0);
            await ui.WaitInteractiveAsync();
            await ui.Page.AddScriptTagAsync(new PageAddScriptTagOptions { Path = AxeScript });
            var result = await ui.Page.EvaluateAsync<JsonElement>("""
                async () => {
                  const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
                  return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary.replace(/\s+/g, ' ').slice(0, 200)) }));
                }
                """);
            foreach (var violation in result.EnumerateArray())
            {
                failures.Add($"/{path} [{scheme}]: {violation.GetProperty("id")} ({violation.GetProperty("impact")}) {violation.GetProperty("help")} — " +
                    string.Join(" | ", violation.GetProperty("nodes").EnumerateArray().Select(n => n.GetString())));
            }
        }

        Assert.True(failures.Count == 0, "axe-core found WCAG violations:\n" + string.Join("\n", failures));

        // The check can fail: an image without a text alternative put on the last page is found.
        var planted = await ui.Page.EvaluateAsync<int>("""
            async () => {
              const img = document.createElement('img'); img.src = 'ui/favicon.svg'; document.querySelector('main').append(img);
              const r = await axe.run(document, { runOnly: { type: 'rule', values: ['image-alt'] } });
              return r.violations.length;
            }
            """);
        Assert.Equal(1, planted);
    }
}
