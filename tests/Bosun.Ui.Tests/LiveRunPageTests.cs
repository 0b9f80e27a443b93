using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Ui.Tests;

/// <summary>The run page reads once when it opens (prerendered, then handed to the circuit), and a log wake reads only the new lines.</summary>
[Collection(BrowserCollection.Name)]
public sealed class LiveRunPageTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task RunPage_PrerenderedThenLive_ReadOnceAndALogWakeReadsOnlyTheNewLines()
    {
        var counts = new CountingBackends();
        await using var ui = await UiSession.StartAsync(browser, output, services: counts.Decorate);
        if (ui is null)
        {
            return;
        }

        var client = ui.Client;
        await client.PoolAsync("proc");
        var run = await client.RunAsync(await client.DeploymentAsync("proc"));
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        await client.WriteLogsAsync(Enumerable.Range(1, 3).Select(i => Line(run.Id, $"before the page {i}")).ToList());

        await ui.OpenAsync($"flow-runs/{run.Id}", run.Name);
        var logs = ui.Page.GetByRole(AriaRole.Log);
        await Expect(logs).ToContainTextAsync("before the page 3");
        // The prerendered page read the history and the last lines; its live copy took them over instead of reading again.
        Assert.Equal(1, counts.Histories);
        Assert.Equal(1, counts.LastLines);

        var lastShown = (await client.ReadLogsAsync(run.Id)).Items[^1].Id;
        await client.WriteLogsAsync([Line(run.Id, "while the page is open")]);
        await Expect(logs).ToContainTextAsync("while the page is open");
        // The live page went on from the last line the prerendered one showed: every read of lines started there or later,
        // none went back over lines already shown.
        var cursors = counts.Cursors;
        Assert.Contains(lastShown, cursors);
        Assert.All(cursors, cursor => Assert.True(cursor >= lastShown, $"a read started after line {cursor}, before the last line shown ({lastShown})"));
        Assert.Equal(1, counts.Histories);
        Assert.Equal(1, counts.LastLines);

        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Completed));
        await Expect(ui.Page.Locator(".page-head .state")).ToHaveAttributeAsync("data-state", "COMPLETED");
        await Expect(ui.Page.Locator("ol.timeline")).ToContainTextAsync("Completed");
        Assert.Equal(2, counts.Histories);
        ui.AssertNoBrowserErrors();
    }

    private static LogCreate Line(Guid runId, string message) => new(runId, TimeProvider.System.GetUtcNow(), RunLogLevel.Info, message);
}
