using System.Collections.Concurrent;
using Bosun.Contracts.Automations;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Postgres.Tests;

/// <summary>Automations with two server replicas on one PostgreSQL database: both dispatch, each event is delivered once.</summary>
public sealed class AutomationReplicaTests
{
    private const int Failures = 40;

    [Fact]
    public async Task TwoReplicas_FailuresThroughBoth_OneDeliveryPerEvent()
    {
        if (!PostgresRequired.Cluster())
        {
            return;
        }

        var directory = TempDirectory.Create("bosun-automation-replicas");
        try
        {
            using var receiver = new WebhookReceiver();
            await using var a = await TestServer.StartAsync(directory: directory, postgres: true);
            await using var b = await TestServer.StartAsync(directory: directory, postgres: true);
            await a.Client.PoolAsync("p");
            var deployment = await a.Client.DeploymentAsync("p", "dep", "flow");
            await b.Client.CreateAutomationAsync(new AutomationCreate("on-failure", new AutomationTrigger(AutomationTriggerKind.RunState, [StateType.Failed]),
                [new AutomationAction(AutomationActionKind.Webhook, receiver.BaseUrl)]));

            var failed = new ConcurrentBag<Guid>();
            await Parallel.ForEachAsync(Enumerable.Range(0, Failures), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, cancellationToken) =>
            {
                var client = i % 2 == 0 ? a.Client : b.Client;
                var run = await client.RunAsync(deployment, TimeProvider.System.GetUtcNow().AddMinutes(-1));
                await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running), cancellationToken);
                await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Failed), cancellationToken);
                failed.Add(run.Id);
            });

            await Eventually.WaitUntilAsync(async () => (await a.Client.AutomationHistoryAsync("on-failure", 1000)) is { Count: Failures } history
                && history.All(d => d.Status == DeliveryStatus.Delivered), $"{Failures} deliveries recorded", TimeSpan.FromSeconds(60));
            var received = await receiver.WaitForAsync(Failures);
            // One ledger row per event (the firing's unique key), each sent once (its lease, taken under SKIP LOCKED).
            Assert.All(await b.Client.AutomationHistoryAsync("on-failure", 1000), delivery => Assert.Equal(1, delivery.Attempts));
            Assert.Equal(Failures, receiver.Received.Count);
            Assert.Equal(Failures, received.Select(r => r.IdempotencyKey).Distinct().Count());
            Assert.Equal(failed.Order(), receiver.Received.Select(r => Guid.Parse(r.Body["event"]!["run"]!["id"]!.GetValue<string>())).Order());
        }
        finally
        {
            await TestDatabases.DeleteDirectoryAsync(directory);
        }
    }

    [Fact]
    public async Task TwoReplicas_EventsThroughANonDispatchingReplica_OtherReplicaWokenByNotify()
    {
        if (!PostgresRequired.Cluster())
        {
            return;
        }

        var directory = TempDirectory.Create("bosun-automation-notify");
        try
        {
            using var receiver = new WebhookReceiver();
            // A neither matches nor delivers; B would look on its own only every 10 minutes: only a NOTIFY from A can wake it in time.
            await using var a = await TestServer.StartAsync(directory: directory, postgres: true, configure: options => options.NoAutomationDispatch = true);
            await using var b = await TestServer.StartAsync(directory: directory, postgres: true,
                configure: options => options.AutomationPollInterval = TimeSpan.FromMinutes(10));
            await a.Client.PoolAsync("p");
            var deployment = await a.Client.DeploymentAsync("p", "dep", "flow");
            await a.Client.CreateAutomationAsync(new AutomationCreate("on-failure", new AutomationTrigger(AutomationTriggerKind.RunState, [StateType.Failed]),
                [new AutomationAction(AutomationActionKind.Webhook, receiver.BaseUrl + "failed")]));
            await a.Client.CreateAutomationAsync(new AutomationCreate("on-create", new AutomationTrigger(AutomationTriggerKind.RunCreated),
                [new AutomationAction(AutomationActionKind.Webhook, receiver.BaseUrl + "created")]));

            var run = await a.Client.RunAsync(deployment, TimeProvider.System.GetUtcNow().AddMinutes(-1));
            await a.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
            await a.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Failed));

            var received = await receiver.WaitForAsync(2, TimeSpan.FromSeconds(60));
            Assert.Equal(["/created", "/failed"], received.Select(r => r.Path).Order(StringComparer.Ordinal));
            Assert.All(received, r => Assert.Equal(run.Id.ToString(), r.Body["event"]!["run"]!["id"]!.GetValue<string>()));
            await Eventually.WaitUntilAsync(async () => (await a.Client.AutomationHistoryAsync("on-failure")) is [{ Status: DeliveryStatus.Delivered, Attempts: 1 }],
                "B recorded its delivery", TimeSpan.FromSeconds(60));
        }
        finally
        {
            await TestDatabases.DeleteDirectoryAsync(directory);
        }
    }
}
