using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Results;
using Bosun.Contracts.States;
using Bosun.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Ui.Tests;

/// <summary>
/// Real SDK flows (tests/Bosun.Sdk.TestFlows, served as a child process) on the run page: a paused run resumed from the
/// page's form with input its schema checks; a completed run's result panel, a gzip-compressed result shown decoded.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PauseAndResultTests(BrowserFixture browser, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task ResumeForm_MissingInputThenValidInput_FieldErrorAndNothingChangedThenRunResumedWithTheInputAndItsResultShown()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var client = ui.Client;
        await using var serving = await ServeAsync(ui.Server, "approval");
        var deployment = await client.GetDeploymentByNameAsync("approval/served");
        // A long pause timeout: the test, not the flow, decides when the run goes on.
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["timeoutSeconds"] = 900 }));
        var paused = await WaitForAsync(client, run.Id, state => state.Type == StateType.Paused, "the run paused for its approval");
        Assert.NotNull(paused.PauseInputSchema);

        await ui.OpenAsync($"flow-runs/{run.Id}", run.Name);
        await Expect(page.Locator(".page-head .state")).ToHaveAttributeAsync("data-state", "PAUSED");
        var form = page.GetByRole(AriaRole.Region, new() { Name = "Resume" });
        await Expect(form.GetByLabel("approved")).ToHaveAttributeAsync("type", "checkbox");
        await Expect(form.GetByLabel("reviewer")).ToHaveAttributeAsync("aria-required", "true");
        var resume = form.GetByRole(AriaRole.Button, new() { Name = "Resume run" });

        // The required reviewer left out: the server's 422 comes back at the field, and the run stays as it was.
        await form.GetByLabel("approved").CheckAsync();
        await resume.ClickAsync();
        await Expect(page.Locator("#param-reviewer-error")).ToContainTextAsync("reviewer");
        await Expect(form.GetByLabel("reviewer")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(form.GetByRole(AriaRole.Alert)).ToContainTextAsync("Check the highlighted field");
        await ui.ScreenshotAsync("flow-run-resume-invalid");
        var unchanged = await client.GetFlowRunAsync(run.Id);
        Assert.Equal((StateType.Paused, paused.State.Id), (unchanged.State.Type, unchanged.State.Id));
        Assert.Null(unchanged.ResumeInput);
        Assert.NotNull(unchanged.PauseInputSchema);

        await form.GetByLabel("reviewer").FillAsync("ada");
        await resume.ClickAsync();

        // The run goes on with the input (read back through the API), finishes, and the page shows its result.
        await Expect(page.Locator(".page-head .state")).ToHaveAttributeAsync("data-state", "COMPLETED", new() { Timeout = (float)Patience.TotalMilliseconds });
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Resume" })).ToHaveCountAsync(0);
        var resumed = await client.GetFlowRunAsync(run.Id);
        Assert.Equal("ada", resumed.ResumeInput?["reviewer"]?.GetValue<string>());
        Assert.True(resumed.ResumeInput?["approved"]?.GetValue<bool>());
        Assert.Null(resumed.PauseInputSchema);
        Assert.Equal([StateType.Running, StateType.Paused, StateType.Running, StateType.Completed],
            (await client.GetFlowRunStatesAsync(run.Id)).Select(state => state.Type).SkipWhile(type => type != StateType.Running));
        Assert.Equal("approved by ada", (await client.GetFlowRunResultAsync(run.Id)).Value?.GetValue<string>());
        await Expect(page.Locator("[data-result-serializer]")).ToHaveTextAsync("json");
        await Expect(page.Locator("[data-result-value]")).ToHaveTextAsync("\"approved by ada\"");
        await ui.ScreenshotAsync("flow-run-resumed-result");
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task ResultPanel_GzipCompressedResult_SerializerNamedAndValueShownDecoded()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var client = ui.Client;
        await using var serving = await ServeAsync(ui.Server, "compressed-results");
        var deployment = await client.GetDeploymentByNameAsync("compressed-results/served");
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["count"] = 3 }));
        await WaitForAsync(client, run.Id, state => state.Type.IsTerminal(), "the run finished");
        var stored = await client.GetFlowRunResultAsync(run.Id);
        // Stored compressed: a base64 string, not the list.
        Assert.Equal((RunResult.GzipJsonSerializer, System.Text.Json.JsonValueKind.String), (stored.Serializer, stored.Value!.GetValueKind()));

        await ui.OpenAsync($"flow-runs/{run.Id}", run.Name);
        await Expect(page.Locator(".page-head .state")).ToHaveAttributeAsync("data-state", "COMPLETED");
        var panel = page.GetByRole(AriaRole.Region, new() { Name = "Result" });
        await Expect(panel.Locator("[data-result-serializer]")).ToHaveTextAsync("gzip-json");
        await Expect(panel).ToContainTextAsync("(shown decoded)");
        var value = panel.Locator("[data-result-value]");
        await Expect(value).ToContainTextAsync("\"login\": \"contributor-3\"");
        await Expect(value).ToContainTextAsync("\"commits\": 30");
        await Expect(value).Not.ToContainTextAsync(stored.Value.GetValue<string>()[..16]);
        await ui.ScreenshotAsync("flow-run-result-gzip");
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task TaskTimeline_CompletedTasksOfARealFlow_EachTaskRunsResultInItsRowAndItsBarsTooltip()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var client = ui.Client;
        await using var serving = await ServeAsync(ui.Server, "cached-tasks");
        var run = await client.CreateFlowRunAsync((await client.GetDeploymentByNameAsync("cached-tasks/served")).Id, new FlowRunCreate());
        await WaitForAsync(client, run.Id, state => state.Type.IsTerminal(), "the run finished");
        var tasks = await client.ListTaskRunsAsync(run.Id);
        Assert.All(tasks, task => Assert.True(task.HasResult, $"{task.TaskName} recorded a result"));

        await ui.OpenAsync($"flow-runs/{run.Id}", run.Name);

        // The table: the result in its own column, as compact JSON.
        await Expect(ui.Row("data-task", "fetch-stars").Locator("[data-task-result]")).ToHaveTextAsync("110");
        await Expect(ui.Row("data-task", "fetch-contributors").Locator("[data-task-result]")).ToHaveTextAsync("[\"ada\",\"grace\"]");
        // The graph: each bar's tooltip names its result.
        var tooltips = page.Locator("figure[data-chart=task-timeline] svg rect title");
        await Expect(tooltips).ToHaveCountAsync(2);
        await Expect(tooltips.Filter(new() { HasText = "fetch-stars:" })).ToHaveTextAsync("fetch-stars: COMPLETED · result 110");
        await Expect(tooltips.Filter(new() { HasText = "fetch-contributors:" })).ToHaveTextAsync("fetch-contributors: COMPLETED · result [\"ada\",\"grace\"]");
        await ui.ScreenshotAsync("flow-run-task-results");
        ui.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task ResultPanel_ResultWrittenAfterTheRunCompleted_AppearsOnTheOpenPageWithoutReload()
    {
        await using var ui = await UiSession.StartAsync(browser, output);
        if (ui is null)
        {
            return;
        }

        var page = ui.Page;
        var client = ui.Client;
        await client.PoolAsync("proc");
        var run = await client.RunAsync(await client.DeploymentAsync("proc", "late"), name: "late-result-run");
        Assert.Equal(run.Id, Assert.Single((await client.ClaimAsync("proc", max: 1)).Runs).FlowRun.Id);
        await client.CompleteAsync(run.Id);

        await ui.OpenAsync($"flow-runs/{run.Id}", "late-result-run");
        var panel = page.GetByRole(AriaRole.Region, new() { Name = "Result" });
        await Expect(panel).ToContainTextAsync("No result recorded");
        var loaded = await page.EvaluateAsync<double>("() => performance.timeOrigin");

        await client.SetFlowRunResultAsync(run.Id, new ResultWrite(new JsonObject { ["stars"] = 4321 }));

        await Expect(panel.Locator("[data-result-value]")).ToContainTextAsync("\"stars\": 4321", new() { Timeout = (float)Patience.TotalMilliseconds });
        await Expect(panel.Locator("[data-result-serializer]")).ToHaveTextAsync("json");
        await Expect(panel).Not.ToContainTextAsync("No result recorded");
        // The same document: the page was not reloaded.
        Assert.Equal(loaded, await page.EvaluateAsync<double>("() => performance.timeOrigin"));
        ui.AssertNoBrowserErrors();
    }

    private static Task<ChildProcess> ServeAsync(TestServer server, string flow) =>
        ChildProcess.ServeTestFlowAsync(flow, new Dictionary<string, string?> { ["BOSUN_API_URL"] = server.ApiUrl.ToString(), ["BOSUN_FLOW_RUN_ID"] = null }, timeout: Patience);

    private static Task<FlowRun> WaitForAsync(BosunClient client, Guid runId, Func<FlowRunState, bool> accept, string what) =>
        Eventually.ValueAsync(() => client.GetFlowRunAsync(runId), run => accept(run.State), what, Patience);
}
