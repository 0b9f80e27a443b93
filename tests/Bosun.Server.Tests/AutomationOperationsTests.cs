using System.Net;
using Bosun.Client;
using Bosun.Contracts.Automations;
using Bosun.Contracts.States;
using Bosun.Server.Orchestration;
using Bosun.Server.Orchestration.Automations;
using Bosun.Server.Storage;
using Bosun.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Bosun.Server.Tests.AutomationTests;

namespace Bosun.Server.Tests;

/// <summary>Automations in operation: run creation as an event, editing a rule in place, and the retention of events and deliveries.</summary>
public sealed class AutomationOperationsTests
{
    // Fast, OnFailed and FailedRunAsync are AutomationTests': the same server options, rule and failed run.

    [Fact]
    public async Task RunCreated_RunOfTheWatchedDeployment_PostsCreationEventOnce()
    {
        using var receiver = new WebhookReceiver();
        await using var server = await TestServer.StartAsync(configure: Fast);
        var client = server.Client;
        await client.PoolAsync("p");
        var watched = await client.DeploymentAsync("p", "dep", "flow");
        var other = await client.DeploymentAsync("p", "other", "flow");
        await client.CreateAutomationAsync(new AutomationCreate("on-create",
            new AutomationTrigger(AutomationTriggerKind.RunCreated, Deployment: "flow/dep"), [new AutomationAction(AutomationActionKind.Webhook, receiver.BaseUrl + "created")]));

        await client.RunAsync(other, TimeProvider.System.GetUtcNow());
        var due = TimeProvider.System.GetUtcNow().AddMinutes(30);
        var run = await client.RunAsync(watched, due);
        // Its state changes are not creations: they fire nothing more.
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Pending));

        var request = Assert.Single(await receiver.WaitForAsync(1));
        var history = await Eventually.ValueAsync(() => client.AutomationHistoryAsync("on-create"),
            deliveries => deliveries.Count >= 1 && deliveries.All(d => d.Status == DeliveryStatus.Delivered), "the creation's delivery is recorded");
        Assert.Equal($"run_created:{run.Id}", Assert.Single(history).EventKey);
        var @event = request.Body["event"]!;
        Assert.Equal("run_created", @event["kind"]!.GetValue<string>());
        Assert.Equal(run.Id.ToString(), @event["run"]!["id"]!.GetValue<string>());
        Assert.Equal("SCHEDULED", @event["run"]!["state"]!.GetValue<string>());
        Assert.Equal("flow/dep", @event["run"]!["deployment"]!.GetValue<string>());
        Assert.Equal(due.ToUnixTimeMilliseconds(), DateTimeOffset.Parse(@event["run"]!["expected_start_time"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds());
        Assert.Single(receiver.Received);
    }

    [Fact]
    public async Task Update_PatchActionsNameAndTrigger_RuleChangedInPlaceAndChecked()
    {
        using var receiver = new WebhookReceiver();
        await using var server = await TestServer.StartAsync(configure: Fast);
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p", "dep", "flow");
        var created = await client.CreateAutomationAsync(OnFailed("on-failure", receiver.BaseUrl + "old"));
        await client.CreateAutomationAsync(OnFailed("taken", receiver.BaseUrl + "taken") with { Enabled = false });

        var updated = await client.UpdateAutomationAsync("on-failure", new AutomationUpdate(
            Name: "renamed", Actions: [new AutomationAction(AutomationActionKind.Webhook, receiver.BaseUrl + "new", Preset: WebhookPreset.Slack)],
            Description: "pages the data team"));
        Assert.Equal((created.Id, "renamed", "pages the data team", true), (updated.Id, updated.Name, updated.Description, updated.Enabled));
        Assert.Equal("run_state FAILED of flow/dep", updated.Trigger.Describe());
        Assert.True(updated.Updated >= created.Updated);
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<BosunApiException>(() => client.GetAutomationAsync("on-failure"))).StatusCode);

        await FailedRunAsync(client, deployment);
        var request = Assert.Single(await receiver.WaitForAsync(1));
        Assert.Equal("/new", request.Path);
        Assert.StartsWith("*renamed*", request.Body["text"]!.GetValue<string>(), StringComparison.Ordinal);

        // A new trigger replaces the old one whole; the rule is checked as on creation.
        var crashed = await client.UpdateAutomationAsync("renamed", new AutomationUpdate(Trigger: new AutomationTrigger(AutomationTriggerKind.RunState, [StateType.Crashed])));
        Assert.Equal(new AutomationTrigger(AutomationTriggerKind.RunState, [StateType.Crashed]).Describe(), crashed.Trigger.Describe());
        var invalid = await Assert.ThrowsAsync<BosunApiException>(() => client.UpdateAutomationAsync("renamed",
            new AutomationUpdate(Trigger: new AutomationTrigger(AutomationTriggerKind.WorkerOffline, [StateType.Failed]))));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        Assert.Contains("trigger.states", invalid.Errors!.Keys);
        var clash = await Assert.ThrowsAsync<BosunApiException>(() => client.UpdateAutomationAsync("renamed", new AutomationUpdate(Name: "taken")));
        Assert.Equal(HttpStatusCode.Conflict, clash.StatusCode);
        var missing = await Assert.ThrowsAsync<BosunApiException>(() => client.UpdateAutomationAsync("nope", new AutomationUpdate(Description: "x")));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // An empty description removes it; pausing by PATCH is what `pause` does.
        var paused = await client.UpdateAutomationAsync("renamed", new AutomationUpdate(Description: "", Enabled: false));
        Assert.Equal((null, false), (paused.Description, paused.Enabled));
        // The ledger stayed with the rule through its changes.
        await Eventually.WaitUntilAsync(async () => (await client.AutomationHistoryAsync("renamed")) is [{ Status: DeliveryStatus.Delivered }],
            "the renamed rule's delivery is in its ledger");
    }

    [Fact]
    public async Task Retention_DeliveriesAndEventsOlderThanTheSetting_Deleted()
    {
        using var receiver = new WebhookReceiver();
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var server = await TestServer.StartAsync(clock, options =>
        {
            Fast(options);
            options.AutomationRetention = TimeSpan.FromDays(7);
        });
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p", "dep", "flow");
        await client.CreateAutomationAsync(OnFailed("on-failure", receiver.BaseUrl));
        await FailedRunAsync(client, deployment);
        await receiver.WaitForAsync(1);
        var old = Assert.Single(await Eventually.ValueAsync(() => client.AutomationHistoryAsync("on-failure"),
            deliveries => deliveries is [{ Status: DeliveryStatus.Delivered }], "the first delivery is recorded"));

        clock.Advance(TimeSpan.FromDays(8));
        // The advance wakes the server's sweeps; a RUNNING run that nothing claimed or heartbeats would be crashed by the
        // abandoned-run sweep if it came between RUNNING and FAILED (seen on a loaded machine): this run fails before it starts.
        var second = await client.RunAsync(deployment, clock.GetUtcNow().AddMinutes(-1));
        Assert.Equal(SetStateStatus.Accept, (await client.SetFlowRunStateAsync(second.Id, new StateProposal(StateType.Failed, Message: "boom", Force: true))).Status);
        await receiver.WaitForAsync(2);
        // The service's own loop may sweep first (the advanced clock fires its timer); either way the old delivery goes.
        await Eventually.WaitUntilAsync(async () => (await client.AutomationHistoryAsync("on-failure")).Any(d => d.Id != old.Id && d.Status == DeliveryStatus.Delivered),
            "the second delivery is recorded");

        var retention = server.HostedService<AutomationRetentionService>();
        await retention.SweepAsync(CancellationToken.None);

        var left = Assert.Single(await client.AutomationHistoryAsync("on-failure"));
        Assert.NotEqual(old.Id, left.Id);
        Assert.Equal(1L, await CountAsync(server, "SELECT COUNT(*) FROM automation_events"));
        Assert.Equal(1L, await CountAsync(server, "SELECT COUNT(*) FROM automation_attempts"));
    }

    private static Task<long> CountAsync(TestServer server, string sql) =>
        server.Server.Services.GetRequiredService<BosunDatabase>().ReadAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }, CancellationToken.None);
}
