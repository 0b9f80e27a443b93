using System.Net;
using System.Text.Json.Nodes;
using Bosun.Contracts.Deployments;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>A deployment's pull steps (migration 0015): stored and handed to the worker with its claim, updated, and refused where no worker could run them.</summary>
public sealed class DeploymentPullStepTests
{
    private static JsonArray Steps(string json) => JsonNode.Parse(json)!.AsArray();

    private static readonly string GitSteps = """
        [{"git_clone": {"id": "clone", "repository": "https://example.invalid/flows.git", "branch": "main", "credentials": "{{ secret.git-token }}"}},
         {"set_working_directory": {"directory": "src/Flows"}},
         {"dotnet_publish": {"id": "publish"}}]
        """;

    [Fact]
    public async Task Upsert_PullSteps_StoredAndClaimedWithTheRun()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");

        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d", "dotnet {{ publish.dll }}", WorkPoolName: "p") { PullSteps = Steps(GitSteps) });
        await client.RunAsync(deployment);

        Assert.True(JsonNode.DeepEquals(Steps(GitSteps), deployment.PullSteps));
        var claimed = Assert.Single((await client.ClaimAsync("p")).Runs);
        Assert.True(JsonNode.DeepEquals(Steps(GitSteps), claimed.Deployment.PullSteps));
        Assert.Equal("dotnet {{ publish.dll }}", claimed.Deployment.Entrypoint);
        // An upsert without them has none: the file or code that deploys says everything.
        Assert.Null((await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d", "cmd", WorkPoolName: "p"))).PullSteps);
    }

    [Fact]
    public async Task Update_PullStepsAndEntrypoint_ReplacedThenCleared()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d", "cmd", WorkPoolName: "p", Description: "kept"));

        var updated = await client.UpdateDeploymentAsync(deployment.Id, new DeploymentUpdate { PullSteps = Steps(GitSteps), Entrypoint = "dotnet {{ publish.dll }}" });

        Assert.True(JsonNode.DeepEquals(Steps(GitSteps), updated.PullSteps));
        Assert.Equal(("dotnet {{ publish.dll }}", "kept"), (updated.Entrypoint, updated.Description));
        var cleared = await client.UpdateDeploymentAsync(deployment.Id, new DeploymentUpdate(Clear: ["pull_steps"]));
        Assert.Null(cleared.PullSteps);
        Assert.Equal("dotnet {{ publish.dll }}", cleared.Entrypoint);
    }

    [Theory]
    [InlineData("""[{"git_clone": {"branch": "main"}}]""", "step 1 (git_clone) needs 'repository'")]
    [InlineData("""[{"fetch": {}}]""", "step 1: 'fetch' is not a pull step")]
    [InlineData("""[{"git_clone": {"repository": "r"}, "download": {"url": "u"}}]""", "step 1 must be an object with one key")]
    [InlineData("""[{"download": {"url": "u", "path": "p"}}]""", "step 1 (download) needs exactly one of 'url' or 'path'")]
    [InlineData("""[{"run_command": {"id": "a", "command": "x"}}, {"run_command": {"id": "a", "command": "y"}}]""", "step 2 (run_command): 'id' must be unique")]
    public async Task Upsert_BadPullStep_RefusedNamingTheStep(string steps, string says)
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => server.Client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d", "cmd", WorkPoolName: "p") { PullSteps = Steps(steps) }), "pull_steps", says);

        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => server.Client.GetDeploymentByNameAsync("f/d"));
    }

    [Fact]
    public async Task PullSteps_OnDockerPoolOrServed_RefusedSayingWhy()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("images", "docker");

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d", "cmd", WorkPoolName: "images") { PullSteps = Steps(GitSteps) }), "pull steps run on process pools");
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => client.UpsertDeploymentAsync(new DeploymentUpsert("f", "served", "cmd") { PullSteps = Steps(GitSteps) }), "a served deployment");
        var onDocker = await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d", "cmd", WorkPoolName: "images"));
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => client.UpdateDeploymentAsync(onDocker.Id, new DeploymentUpdate { PullSteps = Steps(GitSteps) }), "pull steps run on process pools");
    }
}
