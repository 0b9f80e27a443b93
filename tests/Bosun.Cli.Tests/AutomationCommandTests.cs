using Bosun.Contracts.Automations;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Cli.Tests;

/// <summary>`bosun automation ...` against a real server, with a webhook receiver on 127.0.0.1.</summary>
public sealed class AutomationCommandTests
{
    [Fact]
    public async Task Automation_CreateFromFlagsLsInspectPauseResumeHistoryDelete_ManagesTheRule()
    {
        using var receiver = new WebhookReceiver();
        await using var server = await TestServer.StartAsync();
        using var cli = new CliRunner(server.ApiUrl);
        await server.Client.PoolAsync("p");
        var deployment = await server.Client.DeploymentAsync("p", "nightly", "etl");

        var created = (await cli.RunAsync("automation", "create", "on-failure", "--state", "FAILED", "--state", "crashed", "--deployment", "etl/nightly",
            "--webhook", receiver.BaseUrl + "hook", "--preset", "slack")).Succeeded();
        Assert.Contains("Created automation 'on-failure'", created.Out, StringComparison.Ordinal);
        var rule = await server.Client.GetAutomationAsync("on-failure");
        Assert.Equal([StateType.Failed, StateType.Crashed], rule.Trigger.States!);
        Assert.Equal(WebhookPreset.Slack, Assert.Single(rule.Actions).Preset);

        var listed = (await cli.RunAsync("automation", "ls")).Succeeded();
        Assert.Contains("run_state FAILED,CRASHED of etl/nightly", listed.Out, StringComparison.Ordinal);
        var inspected = (await cli.RunAsync("automation", "inspect", "on-failure", "-o", "json")).Json();
        Assert.Equal("webhook", inspected.GetProperty("actions")[0].GetProperty("kind").GetString());
        Assert.Contains("Paused automation 'on-failure'", (await cli.RunAsync("automation", "pause", "on-failure")).Succeeded().Out, StringComparison.Ordinal);
        Assert.False((await server.Client.GetAutomationAsync("on-failure")).Enabled);
        (await cli.RunAsync("automation", "resume", "on-failure")).Succeeded();

        var run = await server.Client.RunAsync(deployment, TimeProvider.System.GetUtcNow().AddMinutes(-1));
        await server.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        await server.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Failed, Message: "boom"));
        await receiver.WaitForAsync(1);
        await Eventually.WaitUntilAsync(async () => (await server.Client.AutomationHistoryAsync("on-failure")) is [{ Status: DeliveryStatus.Delivered }], "the delivery is recorded");
        var history = (await cli.RunAsync("automation", "history", "on-failure")).Succeeded();
        Assert.Contains("DELIVERED", history.Out, StringComparison.Ordinal);
        Assert.Contains("200 in", history.Out, StringComparison.Ordinal);
        var json = (await cli.RunAsync("automation", "history", "on-failure", "-o", "json")).Json();
        Assert.Equal(1, json[0].GetProperty("attempts").GetInt32());

        (await cli.RunAsync("automation", "delete", "on-failure")).Succeeded();
        (await cli.RunAsync("automation", "inspect", "on-failure")).FailedWith("does not exist");
        (await cli.RunAsync("automation", "create", "x", "--state", "FAILED")).FailedWith("at least one action");
        (await cli.RunAsync("automation", "create", "x", "--trigger", "sometimes", "--cancel-run")).FailedWith("--trigger 'sometimes' is not one of");
    }

    [Fact]
    public async Task Automation_CreateFromYamlFile_StoresTriggerActionsAndTemplate()
    {
        await using var server = await TestServer.StartAsync();
        using var cli = new CliRunner(server.ApiUrl);
        await server.Client.PoolAsync("p");
        var file = Path.Combine(cli.Home, "automation.yaml");
        await File.WriteAllTextAsync(file, """
            name: three-strikes
            description: Pause after three failures in ten minutes
            trigger:
              kind: run_state
              states: [FAILED]
              work_pool: p
              threshold: 3
              within_minutes: 10
            actions:
              - kind: pause_deployment
              - kind: webhook
                url: http://127.0.0.1:9/hook
                body:
                  text: "{{ event.summary }}"
                  count: "{{ event.count }}"
            """);

        (await cli.RunAsync("automation", "create", "--file", file)).Succeeded();

        var rule = await server.Client.GetAutomationAsync("three-strikes");
        Assert.Equal("Pause after three failures in ten minutes", rule.Description);
        Assert.Equal(3, rule.Trigger.Threshold);
        Assert.Equal(10, rule.Trigger.WithinMinutes);
        Assert.Equal([AutomationActionKind.PauseDeployment, AutomationActionKind.Webhook], rule.Actions.Select(a => a.Kind));
        Assert.Equal("{{ event.summary }}", rule.Actions[1].Body!["text"]!.GetValue<string>());

        await File.WriteAllTextAsync(file, "name: [unclosed");
        (await cli.RunAsync("automation", "create", "--file", file)).FailedWith("is not valid YAML");
        await File.WriteAllTextAsync(file, "name: bad\ntrigger:\n  kind: sometimes\nactions: []\n");
        (await cli.RunAsync("automation", "create", "--file", file)).FailedWith("does not describe an automation");
    }

    [Fact]
    public async Task AutomationUpdate_FromFlagsAndFromYaml_ChangesTheRuleInPlace()
    {
        await using var server = await TestServer.StartAsync();
        using var cli = new CliRunner(server.ApiUrl);
        (await cli.RunAsync("automation", "create", "on-failure", "--state", "FAILED", "--deployment", "etl/nightly", "--webhook", "http://127.0.0.1:9/old")).Succeeded();
        var created = await server.Client.GetAutomationAsync("on-failure");

        // Trigger flags change those fields and keep the others; action flags replace the actions.
        var flags = (await cli.RunAsync("automation", "update", "on-failure", "--state", "CRASHED", "--tag", "prod",
            "--webhook", "http://127.0.0.1:9/new", "--preset", "teams", "--description", "page on crashes", "--rename", "on-crash")).Succeeded();
        Assert.Contains("Updated automation 'on-crash'", flags.Out, StringComparison.Ordinal);
        var updated = await server.Client.GetAutomationAsync("on-crash");
        Assert.Equal(created.Id, updated.Id);
        Assert.Equal("run_state CRASHED of etl/nightly tagged prod", updated.Trigger.Describe());
        var webhook = Assert.Single(updated.Actions);
        Assert.Equal(("http://127.0.0.1:9/new", WebhookPreset.Teams), (webhook.Url, webhook.Preset));
        Assert.Equal("page on crashes", updated.Description);

        var file = Path.Combine(cli.Home, "automation.yaml");
        await File.WriteAllTextAsync(file, """
            name: ignored
            trigger:
              kind: run_created
              flow: etl
            actions:
              - kind: cancel_run
            """);
        (await cli.RunAsync("automation", "update", "on-crash", "--file", file)).Succeeded();
        var fromFile = await server.Client.GetAutomationAsync("on-crash");
        Assert.Equal("run_created of etl", fromFile.Trigger.Describe());
        Assert.Equal(AutomationActionKind.CancelRun, Assert.Single(fromFile.Actions).Kind);
        Assert.Null(fromFile.Description);

        (await cli.RunAsync("automation", "update", "on-crash")).FailedWith("Nothing to change");
        (await cli.RunAsync("automation", "update", "on-crash", "--file", file, "--state", "FAILED")).FailedWith("either --file or");
        (await cli.RunAsync("automation", "update", "on-crash", "--trigger", "worker_offline", "--state", "FAILED")).FailedWith("trigger.states");
        (await cli.RunAsync("automation", "update", "missing", "--description", "x")).FailedWith("does not exist");
    }
}
