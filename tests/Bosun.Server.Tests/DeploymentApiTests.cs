using System.Net;
using System.Text.Json.Nodes;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>Deployments and run creation: upsert, addressing, parameter and job-variable validation.</summary>
public sealed class DeploymentApiTests
{
    private static readonly JsonObject Schema = JsonNode.Parse("""
        {"type": "object", "properties": {"repoName": {"type": "string"}, "count": {"type": "integer"}}, "required": ["repoName"]}
        """)!.AsObject();

    [Fact]
    public async Task UpsertDeployment_Twice_UpdatesTheSameDeployment()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");

        var first = await client.UpsertDeploymentAsync(new DeploymentUpsert("get-repo-info", "my-first-deployment", "RepoInfo.dll", WorkPoolName: "p", Version: "1"));
        var second = await client.UpsertDeploymentAsync(new DeploymentUpsert("get-repo-info", "my-first-deployment", "RepoInfo.dll", WorkPoolName: "p", Version: "2", Tags: ["t"]));

        Assert.Equal(first.Id, second.Id);
        Assert.Equal("2", second.Version);
        Assert.Equal("get-repo-info/my-first-deployment", second.FullName);
        Assert.Equal(second.Id, (await client.GetDeploymentByNameAsync("get-repo-info/my-first-deployment")).Id);
        Assert.Equal(1, (await client.ListDeploymentsAsync()).Total);
        Assert.Equal("get-repo-info", Assert.Single((await client.ListFlowsAsync()).Items).Name);
    }

    [Fact]
    public async Task UpsertDeployment_UnknownPool_404NamesPool()
    {
        await using var server = await TestServer.StartAsync();

        await ApiAssert.FailsAsync(HttpStatusCode.NotFound,
            () => server.Client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d", WorkPoolName: "missing")), "'missing' does not exist");
    }

    [Fact]
    public async Task UpsertDeployment_JobVariablesOfWrongType_422()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p", type: "docker");
        var variables = JsonNode.Parse("""{"image_pull_policy": "Sometimes"}""")!.AsObject();

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => server.Client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d", WorkPoolName: "p", JobVariables: variables)), "image_pull_policy");
    }

    [Fact]
    public async Task UpsertDeployment_JobVariables_OverrideWithoutChangingPool()
    {
        await using var server = await TestServer.StartAsync();
        var pool = await server.Client.PoolAsync("p", type: "docker");
        var variables = JsonNode.Parse("""{"image_pull_policy": "Never", "env.GREETING": "hi"}""")!.AsObject();

        var deployment = await server.Client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d", WorkPoolName: "p", JobVariables: variables));

        Assert.Equal("Never", deployment.JobVariables["image_pull_policy"]!.GetValue<string>());
        Assert.Equal(pool.BaseJobTemplate.ToJsonString(), (await server.Client.GetWorkPoolAsync("p")).BaseJobTemplate.ToJsonString());
    }

    [Fact]
    public async Task CreateFlowRun_ParametersMergedOverDefaults()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var deployment = await server.Client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d", WorkPoolName: "p", ParameterSchema: Schema,
            Parameters: new JsonObject { ["repoName"] = "PrefectHQ/prefect", ["count"] = 1 }));

        var run = await server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["count"] = 5 }, Tags: ["manual"]));

        Assert.Equal("PrefectHQ/prefect", run.Parameters["repoName"]!.GetValue<string>());
        Assert.Equal(5, run.Parameters["count"]!.GetValue<int>());
        Assert.Equal(StateType.Scheduled, run.State.Type);
        Assert.Contains("manual", run.Tags);
        Assert.Matches("^[a-z]+-[a-z]+$", run.Name);
    }

    [Fact]
    public async Task CreateFlowRun_UnknownParameter_422ListsKnownOnes()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var deployment = await server.Client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d", WorkPoolName: "p", ParameterSchema: Schema));

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["repoName"] = "x", ["colour"] = "red" })),
            "unknown parameter 'colour'", "repoName", "count");
    }

    [Fact]
    public async Task CreateFlowRun_MistypedOrMissingParameter_422NamesIt()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var deployment = await server.Client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d", WorkPoolName: "p", ParameterSchema: Schema));

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["repoName"] = "x", ["count"] = "many" })), "count");
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["count"] = 1 })), "repoName");
        Assert.Equal(0, (await server.Client.ListFlowRunsAsync()).Total);
    }

    [Fact]
    public async Task CreateFlowRun_RequiredJobVariableMissing_422ButDeploymentAccepted()
    {
        await using var server = await TestServer.StartAsync();
        var template = JsonNode.Parse("""
            {"job_configuration": {"image": "{{ image }}"}, "variables": {"type": "object", "properties": {"image": {"type": "string"}}, "required": ["image"]}}
            """)!.AsObject();
        await server.Client.CreateWorkPoolAsync(new Contracts.WorkPools.WorkPoolCreate("p", "docker", BaseJobTemplate: template));
        var deployment = await server.Client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d", WorkPoolName: "p"));

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate()), "image");
        var run = await server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(JobVariables: new JsonObject { ["image"] = "x:1" }));

        Assert.Equal("x:1", run.JobVariables["image"]!.GetValue<string>());
    }

    [Fact]
    public async Task CreateFlowRun_IdempotencyKey_ReturnsTheSameRun()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var deployment = await server.Client.DeploymentAsync("p");

        var first = await server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(IdempotencyKey: "k1"));
        var second = await server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(IdempotencyKey: "k1"));

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(1, (await server.Client.ListFlowRunsAsync()).Total);
    }

    [Fact]
    public async Task Deployment_PauseResumeDelete()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var deployment = await server.Client.DeploymentAsync("p");
        var scheduled = await server.Client.RunAsync(deployment, TimeProvider.System.GetUtcNow().AddHours(1));

        Assert.True((await server.Client.PauseDeploymentAsync(deployment.Id)).Paused);
        Assert.False((await server.Client.ResumeDeploymentAsync(deployment.Id)).Paused);
        await server.Client.DeleteDeploymentAsync(deployment.Id);

        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => server.Client.GetDeploymentAsync(deployment.Id));
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => server.Client.GetFlowRunAsync(scheduled.Id));
    }

    [Fact]
    public async Task ServedDeployment_WaitingReasonNamesTheServingProcess()
    {
        await using var server = await TestServer.StartAsync();
        var deployment = await server.Client.UpsertDeploymentAsync(new DeploymentUpsert("f", "served"));

        var run = await server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());

        Assert.Null(run.WorkPoolName);
        Assert.Contains("served", (await server.Client.GetFlowRunAsync(run.Id)).WaitingReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PreviewJob_MergesLayersMasksSecretsAndKeepsEnvPlaceholders()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p", type: "docker");
        var deployment = await server.Client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d", WorkPoolName: "p",
            JobVariables: JsonNode.Parse("""{"image": "app:1", "image_pull_policy": "Never", "env": {"A": "1", "HOME_DIR": "{{ $HOME }}"}}""")!.AsObject()));

        var preview = await server.Client.PreviewJobAsync(deployment.Id, new JobPreviewRequest(JsonNode.Parse(
            """{"env.B": "2", "registry_credentials": {"username": "me", "password": "hunter2"}}""")!.AsObject()));

        var configuration = preview.Configuration;
        Assert.Equal("app:1", configuration["image"]!.GetValue<string>());
        Assert.Equal("Never", configuration["image_pull_policy"]!.GetValue<string>());
        Assert.Equal("1", configuration["env"]!["A"]!.GetValue<string>());
        Assert.Equal("2", configuration["env"]!["B"]!.GetValue<string>());
        Assert.Equal("me", configuration["registry_credentials"]!["username"]!.GetValue<string>());
        Assert.Equal("********", configuration["registry_credentials"]!["password"]!.GetValue<string>());
        Assert.DoesNotContain("hunter2", preview.Configuration.ToJsonString() + preview.Variables.ToJsonString(), StringComparison.Ordinal);
        Assert.False(configuration.ContainsKey("mem_limit"));
        Assert.False(configuration["privileged"]!.GetValue<bool>());
    }
}
