using System.Net;
using System.Text.Json.Nodes;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Schedules;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>`PATCH /api/deployments/{id}` (docs/behaviour.md §1.2): every field, the claim honouring the new queue, and nothing saved on a refusal.</summary>
public sealed class DeploymentUpdateTests
{
    private static readonly JsonObject Schema = JsonNode.Parse("""
        {"type": "object", "properties": {"repoName": {"type": "string"}, "count": {"type": "integer"}}}
        """)!.AsObject();

    private static async Task<Deployment> DeployAsync(TestServer server, string type = "process")
    {
        await server.Client.PoolAsync("p", type);
        await server.Client.CreateWorkQueueAsync("p", new WorkQueueCreate("fast"));
        return await server.Client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d", "cmd", new JsonObject { ["repoName"] = "a/b" }, Schema, "p",
            Tags: ["old"], Description: "old", Version: "1", ConcurrencyLimit: 3));
    }

    [Fact]
    public async Task Update_EachField_ChangesOnlyThatField()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var deployment = await DeployAsync(server, "docker");

        var changes = new (DeploymentUpdate Update, string[] Fields, Func<Deployment, bool> Changed)[]
        {
            (new(WorkQueueName: "fast"), ["queue"], d => d.WorkQueueName == "fast"),
            (new(Parameters: new JsonObject { ["repoName"] = "c/d", ["count"] = 2 }), ["parameters"],
                d => d.Parameters["count"]!.GetValue<int>() == 2 && d.Parameters["repoName"]!.GetValue<string>() == "c/d"),
            (new(JobVariables: new JsonObject { ["image"] = "img:2" }), ["job_variables"], d => d.JobVariables["image"]!.GetValue<string>() == "img:2"),
            (new(Tags: ["new", "nightly"]), ["tags"], d => d.Tags.SequenceEqual(["new", "nightly"])),
            (new(Description: "new"), ["description"], d => d.Description == "new"),
            (new(Version: "2"), ["version"], d => d.Version == "2"),
            (new(ConcurrencyLimit: 1), ["limit"], d => d.ConcurrencyLimit == 1),
            (new(CollisionStrategy: CollisionStrategy.CancelNew), ["strategy"], d => d.CollisionStrategy == CollisionStrategy.CancelNew),
            (new(CatchUp: CatchUpPolicy.Latest), ["catch_up"], d => d.CatchUp == CatchUpPolicy.Latest),
            (new(Paused: true), ["paused"], d => d.Paused),
            (new(Retries: 4, RetryDelaySeconds: 30), ["retries"], d => d.Retries == 4 && d.RetryDelaySeconds == 30),
            (new() { TimeoutSeconds = 600 }, ["timeout"], d => d.TimeoutSeconds == 600),
            (new() { CrashRetries = 2, CrashRetryDelaySeconds = 15 }, ["crash_retries"], d => d.CrashRetries == 2 && d.CrashRetryDelaySeconds == 15),
            (new(Clear: ["timeout_seconds"]), ["timeout"], d => d.TimeoutSeconds is null),
            (new(Clear: ["concurrency_limit", "description", "version"]), ["limit", "description", "version"],
                d => d.ConcurrencyLimit is null && d.Description is null && d.Version is null),
            (new(Clear: ["tags", "parameters", "job_variables"]), ["tags", "parameters", "job_variables"],
                d => d.Tags.Count == 0 && d.Parameters.Count == 0 && d.JobVariables.Count == 0),
        };
        foreach (var (update, fields, changed) in changes)
        {
            var before = await client.GetDeploymentAsync(deployment.Id);
            var answered = await client.UpdateDeploymentAsync(deployment.Id, update);
            var after = await client.GetDeploymentAsync(deployment.Id);

            Assert.True(changed(answered) && changed(after), $"{update} did not change what it names: {after}");
            Assert.Equal(Fields(before).Where(f => !fields.Contains(f.Key)), Fields(after).Where(f => !fields.Contains(f.Key)));
        }
    }

    private static Dictionary<string, string?> Fields(Deployment deployment) => new()
    {
        ["queue"] = deployment.WorkQueueName,
        ["parameters"] = deployment.Parameters.ToJsonString(),
        ["job_variables"] = deployment.JobVariables.ToJsonString(),
        ["tags"] = string.Join(",", deployment.Tags),
        ["description"] = deployment.Description,
        ["version"] = deployment.Version,
        ["limit"] = deployment.ConcurrencyLimit?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["strategy"] = deployment.CollisionStrategy.ToString(),
        ["catch_up"] = deployment.CatchUp.ToString(),
        ["paused"] = deployment.Paused.ToString(),
        ["retries"] = $"{deployment.Retries}/{deployment.RetryDelaySeconds}",
        ["timeout"] = deployment.TimeoutSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["crash_retries"] = $"{deployment.CrashRetries}/{deployment.CrashRetryDelaySeconds}",
    };

    [Fact]
    public async Task Update_Queue_NewRunsGoThereAndOnlyItsWorkersClaimThem()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var deployment = await DeployAsync(server);

        await client.UpdateDeploymentAsync(deployment.Id, new DeploymentUpdate(WorkQueueName: "fast"));
        var run = await client.RunAsync(deployment);

        Assert.Equal("fast", run.WorkQueueName);
        Assert.Empty((await client.ClaimAsync("p", worker: "default-only", queues: ["default"])).Runs);
        Assert.Equal(run.Id, Assert.Single((await client.ClaimAsync("p", worker: "fast-only", queues: ["fast"])).Runs).FlowRun.Id);
    }

    [Fact]
    public async Task Update_Refused_NothingSaved()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var deployment = await DeployAsync(server, "docker");

        var refusals = new (DeploymentUpdate Update, HttpStatusCode Status, string Names)[]
        {
            (new(Description: "kept", WorkQueueName: "nowhere"), HttpStatusCode.NotFound, "nowhere"),
            (new(Description: "kept", Parameters: new JsonObject { ["unknown"] = 1 }), HttpStatusCode.UnprocessableEntity, "unknown"),
            (new(Description: "kept", Parameters: new JsonObject { ["count"] = "many" }), HttpStatusCode.UnprocessableEntity, "count"),
            (new(Description: "kept", JobVariables: new JsonObject { ["image_pull_policy"] = "Sometimes" }), HttpStatusCode.UnprocessableEntity, "image_pull_policy"),
            (new(Description: "kept", ConcurrencyLimit: -1), HttpStatusCode.UnprocessableEntity, "concurrency_limit"),
            (new(Description: "kept", Retries: -1), HttpStatusCode.UnprocessableEntity, "retries"),
            (new(Description: "kept") { TimeoutSeconds = 0 }, HttpStatusCode.UnprocessableEntity, "timeout_seconds"),
            (new(Description: "kept") { CrashRetries = -1 }, HttpStatusCode.UnprocessableEntity, "crash_retries"),
            (new(Description: "kept", Clear: ["name"]), HttpStatusCode.UnprocessableEntity, "clear"),
            (new(Version: "3", Clear: ["version"]), HttpStatusCode.UnprocessableEntity, "version"),
            (new(), HttpStatusCode.UnprocessableEntity, "nothing to change"),
        };
        foreach (var (update, status, names) in refusals)
        {
            await ApiAssert.FailsAsync(status, () => client.UpdateDeploymentAsync(deployment.Id, update), names);
        }

        var after = await client.GetDeploymentAsync(deployment.Id);
        Assert.Equal(("old", "1", "default"), (after.Description, after.Version, after.WorkQueueName));
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => client.UpdateDeploymentAsync(Guid.NewGuid(), new DeploymentUpdate(Version: "x")), "does not exist");
    }

    [Fact]
    public async Task Update_ScheduledDeployment_FutureRunsMadeAgainWithTheNewQueue()
    {
        await using var server = await TestServer.StartAsync(configure: options => options.ServiceInterval = TimeSpan.FromMilliseconds(100));
        var client = server.Client;
        var deployment = await DeployAsync(server);
        // Anchored an hour ahead, every slot is still in the future when the queue changes: with the default anchor a
        // slot could fall due between the scheduler making it and the update, and a due run is rightly left alone.
        await client.AddScheduleAsync(deployment.Id, new ScheduleSpec(IntervalSeconds: 600, Anchor: TimeProvider.System.GetUtcNow().AddHours(1)));
        await Eventually.WaitUntilAsync(async () => (await client.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: deployment.Id))).Total >= 3, "the scheduler made runs");

        await client.UpdateDeploymentAsync(deployment.Id, new DeploymentUpdate(WorkQueueName: "fast"));

        await Eventually.WaitUntilAsync(async () =>
        {
            var runs = (await client.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: deployment.Id))).Items;
            return runs.Count >= 3 && runs.All(run => run.WorkQueueName == "fast");
        }, "every future run is on the new queue");
    }
}
