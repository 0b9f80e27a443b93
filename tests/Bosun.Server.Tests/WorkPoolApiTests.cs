using System.Net;
using System.Text.Json.Nodes;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>Work pools, queues and workers through the real client.</summary>
public sealed class WorkPoolApiTests
{
    [Fact]
    public async Task CreateWorkPool_WithoutTemplate_GetsTypeDefaultAndDefaultQueue()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;

        var pool = await client.CreateWorkPoolAsync(new WorkPoolCreate("my-docker-pool", "docker", "tutorial pool"));

        Assert.Equal("docker", pool.Type);
        Assert.Equal(ReadinessStatus.NotReady, pool.Status);
        Assert.NotNull(pool.BaseJobTemplate["variables"]?["properties"]?["image_pull_policy"]);
        var queue = Assert.Single(await client.ListWorkQueuesAsync("my-docker-pool"));
        Assert.Equal(("default", 1), (queue.Name, queue.Priority));
        var listed = await client.ListWorkPoolsAsync();
        Assert.Equal("my-docker-pool", Assert.Single(listed.Items).Name);
        Assert.Equal(1, listed.Total);
        Assert.Empty((await client.ListWorkPoolsAsync(type: "process")).Items);
    }

    [Theory]
    [InlineData("process", "working_dir")]
    [InlineData("docker", "image")]
    [InlineData("kubernetes", "namespace")]
    public async Task GetDefaultBaseJobTemplate_EachType_HasItsVariables(string type, string variable)
    {
        await using var server = await TestServer.StartAsync();

        var template = await server.Client.GetDefaultBaseJobTemplateAsync(type);

        Assert.NotNull(template["job_configuration"]);
        Assert.NotNull(template["variables"]?["properties"]?[variable]);
    }

    [Fact]
    public async Task CreateWorkPool_DuplicateName_ConflictWithHint()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");

        await ApiAssert.FailsAsync(HttpStatusCode.Conflict, () => server.Client.PoolAsync("p"), "already exists", "--overwrite");
    }

    [Fact]
    public async Task WorkPool_PauseLimitUpdateDelete_Roundtrip()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");

        Assert.Equal(ReadinessStatus.Paused, (await client.PauseWorkPoolAsync("p")).Status);
        Assert.False((await client.ResumeWorkPoolAsync("p")).Paused);
        Assert.Equal(3, (await client.SetWorkPoolConcurrencyLimitAsync("p", 3)).ConcurrencyLimit);
        Assert.Null((await client.SetWorkPoolConcurrencyLimitAsync("p", null)).ConcurrencyLimit);
        Assert.Equal("new", (await client.UpdateWorkPoolAsync("p", new WorkPoolUpdate("new"))).Description);
        await client.DeleteWorkPoolAsync("p");
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => client.GetWorkPoolAsync("p"), "'p' does not exist");
    }

    [Fact]
    public async Task DeleteWorkPool_WithRunsInFlight_RefusedUnlessForced()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        await client.RunAsync(await client.DeploymentAsync("p"));
        await client.ClaimAsync("p");

        await ApiAssert.FailsAsync(HttpStatusCode.Conflict, () => client.DeleteWorkPoolAsync("p"), "in flight", "force");
        await client.DeleteWorkPoolAsync("p", force: true);
        Assert.Empty((await client.ListWorkPoolsAsync()).Items);
    }

    [Fact]
    public async Task CreateWorkQueue_Priorities_FirstFreeAndShiftOnTaken()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");

        Assert.Equal(2, (await client.CreateWorkQueueAsync("p", new WorkQueueCreate("b"))).Priority);
        Assert.Equal(3, (await client.CreateWorkQueueAsync("p", new WorkQueueCreate("c"))).Priority);
        Assert.Equal(1, (await client.CreateWorkQueueAsync("p", new WorkQueueCreate("first", Priority: 1))).Priority);

        var order = (await client.ListWorkQueuesAsync("p")).Select(q => (q.Name, q.Priority)).ToList();
        Assert.Equal([("first", 1), ("default", 2), ("b", 3), ("c", 4)], order);
        await client.UpdateWorkQueueAsync("p", "c", new WorkQueueUpdate(Priority: 2));
        order = (await client.ListWorkQueuesAsync("p")).Select(q => (q.Name, q.Priority)).ToList();
        Assert.Equal([("first", 1), ("c", 2), ("default", 3), ("b", 4)], order);
    }

    [Fact]
    public async Task WorkQueue_PauseLimitDelete_DefaultCannotBeDeleted()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        await client.CreateWorkQueueAsync("p", new WorkQueueCreate("q2"));
        var run = await client.RunAsync(deployment, queue: "q2");

        Assert.Equal(ReadinessStatus.Paused, (await client.PauseWorkQueueAsync("p", "q2")).Status);
        Assert.Equal(5, (await client.SetWorkQueueConcurrencyLimitAsync("p", "q2", 5)).ConcurrencyLimit);
        await ApiAssert.FailsAsync(HttpStatusCode.Conflict, () => client.DeleteWorkQueueAsync("p", "default"), "cannot be deleted");
        await client.DeleteWorkQueueAsync("p", "q2");

        Assert.Equal("default", (await client.GetFlowRunAsync(run.Id)).WorkQueueName);
    }

    [Fact]
    public async Task Workers_Heartbeat_ListedOnline()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");

        await client.SendWorkerHeartbeatAsync("p", new WorkerHeartbeat("w-1", "process", 5));
        await client.SendWorkerHeartbeatAsync("p", new WorkerHeartbeat("w-1", "process", 5));

        var worker = Assert.Single(await client.ListWorkersAsync("p"));
        Assert.Equal(("w-1", 5, WorkerStatus.Online), (worker.Name, worker.HeartbeatIntervalSeconds, worker.Status));
        var pool = await client.GetWorkPoolAsync("p");
        Assert.Equal((ReadinessStatus.Ready, 1), (pool.Status, pool.OnlineWorkers));
        await client.DeleteWorkerAsync("p", "w-1");
        Assert.Empty(await client.ListWorkersAsync("p"));
    }

    [Fact]
    public async Task CreateWorkPool_UndeclaredPlaceholder_422NamesIt()
    {
        await using var server = await TestServer.StartAsync();
        var template = Template("""{"job_configuration": {"command": "{{ command }}", "image": "{{ image }}"}, "variables": {"type": "object", "properties": {"command": {"type": "string"}}}}""");

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => server.Client.CreateWorkPoolAsync(new WorkPoolCreate("p", "process", BaseJobTemplate: template)), "not declared", "image");
    }

    [Fact]
    public async Task CreateWorkPool_InvalidDefault_422NamesVariable()
    {
        await using var server = await TestServer.StartAsync();
        var template = Template("""{"job_configuration": {"stream_output": "{{ stream_output }}"}, "variables": {"type": "object", "properties": {"stream_output": {"type": "boolean", "default": "yes"}}}}""");

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => server.Client.CreateWorkPoolAsync(new WorkPoolCreate("p", "process", BaseJobTemplate: template)), "default of variable 'stream_output'");
    }

    [Theory]
    [InlineData("""{"job_configuration": {}}""", "variables")]
    [InlineData("""{"variables": {"type": "object"}}""", "job_configuration")]
    [InlineData("""{"job_configuration": {}, "variables": {"type": 12}}""", "not a valid JSON Schema")]
    public async Task CreateWorkPool_MalformedTemplate_422SaysWhat(string json, string fragment)
    {
        await using var server = await TestServer.StartAsync();

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => server.Client.CreateWorkPoolAsync(new WorkPoolCreate("p", "process", BaseJobTemplate: Template(json))), fragment);
        Assert.Empty((await server.Client.ListWorkPoolsAsync()).Items);
    }

    [Fact]
    public async Task CreateWorkPool_EmptyTemplate_Accepted()
    {
        await using var server = await TestServer.StartAsync();

        var pool = await server.Client.CreateWorkPoolAsync(new WorkPoolCreate("p", "process", BaseJobTemplate: []));

        Assert.Empty(pool.BaseJobTemplate);
    }

    [Fact]
    public async Task UpdateWorkPool_InvalidTemplate_RefusedAndOldTemplateKept()
    {
        await using var server = await TestServer.StartAsync();
        var before = await server.Client.PoolAsync("p");

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => server.Client.UpdateWorkPoolAsync("p", new WorkPoolUpdate(BaseJobTemplate: Template("""{"job_configuration": {"x": "{{ y }}"}, "variables": {"type": "object"}}"""))), "y");

        Assert.Equal(before.BaseJobTemplate.ToJsonString(), (await server.Client.GetWorkPoolAsync("p")).BaseJobTemplate.ToJsonString());
    }

    private static JsonObject Template(string json) => JsonNode.Parse(json)!.AsObject();
}
