using System.Net;
using Bosun.Contracts.Automations;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.WorkPools;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>Batch create: many runs of a deployment in one request and one write, all or none.</summary>
public sealed class FlowRunBatchTests
{
    [Fact]
    public async Task CreateFlowRuns_ThreeRuns_AllCreatedInTheOrderSentAndClaimable()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");

        var created = await client.CreateFlowRunsAsync(deployment.Id,
            [new FlowRunCreate(Name: "first"), new FlowRunCreate(Name: "second", Tags: ["x"]), new FlowRunCreate(Name: "third")]);

        Assert.Equal(["first", "second", "third"], created.Select(run => run.Name));
        Assert.All(created, run => Assert.True(run.Created));
        Assert.Contains("x", (await client.GetFlowRunAsync(created[1].Id)).Tags);
        var claimed = (await client.ClaimAsync("p", max: 10, prefetchSeconds: 0)).Runs;
        Assert.Equal(created.Select(run => run.Id).Order(), claimed.Select(run => run.FlowRun.Id).Order());
    }

    [Fact]
    public async Task CreateFlowRuns_RunsWithEveryField_EachWrittenAsASingleCreateWritesIt_HistoryAndCreationEventIncluded()
    {
        using var receiver = new WebhookReceiver();
        await using var server = await TestServer.StartAsync(configure: AutomationTests.Fast);
        var client = server.Client;
        await client.PoolAsync("p");
        await client.CreateWorkQueueAsync("p", new WorkQueueCreate("urgent", Priority: 1));
        var deployment = await client.DeploymentAsync("p");
        await client.CreateAutomationAsync(new AutomationCreate("on-create",
            new AutomationTrigger(AutomationTriggerKind.RunCreated, Deployment: "flow/dep"), [new AutomationAction(AutomationActionKind.Webhook, receiver.BaseUrl + "created")]));
        var parent = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(Name: "parent"));
        var due = DateTimeOffset.FromUnixTimeMilliseconds(TimeProvider.System.GetUtcNow().AddHours(1).ToUnixTimeMilliseconds());

        var sent = new[]
        {
            new FlowRunCreate(Name: "plain"),
            new FlowRunCreate(Tags: ["x", "y"], ScheduledStartTime: due, IdempotencyKey: "k", Name: "full", WorkQueueName: "urgent", Retries: 3,
                RetryDelaySeconds: 7, TimeoutSeconds: 90, ParentFlowRunId: parent.Id) { StartTimeoutSeconds = 600, StartTimeoutAction = StartTimeoutAction.Cancel },
            new FlowRunCreate(Name: "third"),
        };
        var created = await client.CreateFlowRunsAsync(deployment.Id, sent);

        Assert.All(created, run => Assert.True(run.Created));
        var full = await client.GetFlowRunAsync(created[1].Id);
        Assert.Equal(("full", StateType.Scheduled, due, "urgent", 3, 7, parent.Id), (full.Name, full.State.Type, full.ExpectedStartTime, full.WorkQueueName,
            full.Retries, full.RetryDelaySeconds, full.ParentFlowRunId));
        Assert.Equal(("k", 600, StartTimeoutAction.Cancel), (full.IdempotencyKey, full.StartTimeoutSeconds, full.StartTimeoutAction));
        Assert.StartsWith("00-", full.Traceparent);
        Assert.Subset(full.Tags.ToHashSet(), new HashSet<string> { "x", "y" });
        foreach (var run in created)
        {
            var history = await client.GetFlowRunStatesAsync(run.Id);
            Assert.Equal(StateType.Scheduled, Assert.Single(history).Type);
        }

        // Every run's creation is an event, as a single create's is (with the parent's: four).
        var events = await receiver.WaitForAsync(4);
        Assert.Equal(created.Select(run => run.Id.ToString()).Append(parent.Id.ToString()).Order(),
            events.Select(request => request.Body["event"]!["run"]!["id"]!.GetValue<string>()).Order());
    }

    [Fact]
    public async Task CreateFlowRuns_OneRunRefused_NoneCreatedAndThe422NamesItsIndex()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CreateFlowRunsAsync(deployment.Id,
            [new FlowRunCreate(Name: "fine"), new FlowRunCreate(Name: "also fine"), new FlowRunCreate(Retries: -1)]), "runs[2].retries");
        // A refusal found while inserting, after the first run was written, rolls that one back too.
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CreateFlowRunsAsync(deployment.Id,
            [new FlowRunCreate(Name: "fine"), new FlowRunCreate(ParentFlowRunId: Guid.NewGuid())]), "runs[1].parent_flow_run_id");

        Assert.Equal(0, (await client.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Scheduled]))).Total);
    }

    [Fact]
    public async Task CreateFlowRuns_IdempotencyKeyUsedBeforeAndWithinTheBatch_ThatRunReturnedNotCreated()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var earlier = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(IdempotencyKey: "a"));

        var created = await client.CreateFlowRunsAsync(deployment.Id,
            [new FlowRunCreate(IdempotencyKey: "a"), new FlowRunCreate(IdempotencyKey: "b"), new FlowRunCreate(IdempotencyKey: "b")]);

        Assert.Equal([false, true, false], created.Select(run => run.Created));
        Assert.Equal(earlier.Id, created[0].Id);
        Assert.Equal(created[1].Id, created[2].Id);
        Assert.Equal(2, (await client.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Scheduled]))).Total);
    }

    [Fact]
    public async Task CreateFlowRuns_NoneOrMoreThanAThousandOrUnknownDeployment_RefusedSayingWhy()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CreateFlowRunsAsync(deployment.Id, []), "runs", "1 to 1,000");
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => client.CreateFlowRunsAsync(deployment.Id, Enumerable.Range(0, 1001).Select(_ => new FlowRunCreate()).ToList()), "runs");
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => client.CreateFlowRunsAsync(Guid.NewGuid(), [new FlowRunCreate()]), "does not exist");
    }
}
