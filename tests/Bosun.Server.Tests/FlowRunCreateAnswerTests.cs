using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>
/// A create is answered from its own write transaction (issue 23), not by reading the run back: its answer is, field by
/// field, what GET of the run answers right after, for every kind of run and waiting reason a create can give.
/// </summary>
public sealed class FlowRunCreateAnswerTests
{
    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    [Fact]
    public async Task CreateFlowRun_Answer_SameJsonAsGetOfTheRun()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("docker-pool", type: "docker");
        await client.CreateWorkQueueAsync("docker-pool", new WorkQueueCreate("urgent"));
        await client.PoolAsync("full", limit: 0);
        await client.PoolAsync("paused");
        await client.PauseWorkPoolAsync("paused");
        var secrets = Json("""{"registry_credentials": {"username": "ci", "password": "deployment-secret", "registry": "127.0.0.1:5055"}}""");
        var docker = await client.UpsertDeploymentAsync(new DeploymentUpsert("flow", "docker", Entrypoint: "test", Parameters: Json("""{"a": 1, "b": "two"}"""),
            WorkPoolName: "docker-pool", JobVariables: secrets, Tags: ["from-deployment"], Retries: 2, RetryDelaySeconds: 5));
        var full = await client.DeploymentAsync("full", name: "full");
        var paused = await client.DeploymentAsync("paused", name: "paused");
        var limited = await client.DeploymentAsync("docker-pool", name: "limited", limit: 0);
        var served = await client.UpsertDeploymentAsync(new DeploymentUpsert("flow", "served", Entrypoint: "test"));
        var parent = await client.CreateFlowRunAsync(full.Id, new FlowRunCreate());

        (string Case, Guid Deployment, FlowRunCreate Request)[] cases =
        [
            ("every field, a requested queue and secret job variables", docker.Id, new FlowRunCreate(
                Parameters: Json("""{"b": "three", "c": [1, 2]}"""),
                JobVariables: Json("""{"registry_credentials": {"username": "ci", "password": "run-secret", "registry": "127.0.0.1:5055"}}"""),
                Tags: ["from-run", "from-deployment"], IdempotencyKey: "key-1", Name: "named", WorkQueueName: "urgent", Retries: 1, RetryDelaySeconds: 3,
                TimeoutSeconds: 60, ParentFlowRunId: parent.Id) { StartTimeoutSeconds = 120, StartTimeoutAction = StartTimeoutAction.Fail }),
            ("no worker online", docker.Id, new FlowRunCreate()),
            ("scheduled in the future", docker.Id, new FlowRunCreate(ScheduledStartTime: TimeProvider.System.GetUtcNow().AddHours(1))),
            ("pool at its limit", full.Id, new FlowRunCreate()),
            ("pool paused", paused.Id, new FlowRunCreate()),
            ("deployment at its limit", limited.Id, new FlowRunCreate()),
            ("served, not on a pool", served.Id, new FlowRunCreate()),
        ];

        using var http = new HttpClient { BaseAddress = server.Server.ApiAddress };
        foreach (var (name, deploymentId, request) in cases)
        {
            using var response = await http.PostAsJsonAsync($"deployments/{deploymentId}/create_flow_run", request, BosunJsonContext.Default.FlowRunCreate);
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{name}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var created = Json(await response.Content.ReadAsStringAsync());
            var read = Json(await http.GetStringAsync($"flow_runs/{created["id"]}"));

            Assert.True(JsonNode.DeepEquals(read, created), $"{name}:\ncreate answered {created.ToJsonString()}\nGET answers     {read.ToJsonString()}");
            Assert.False(string.IsNullOrEmpty(created["waiting_reason"]?.GetValue<string>()), $"{name}: no waiting reason in {created.ToJsonString()}");
        }
    }
}
