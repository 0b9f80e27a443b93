using System.Net;
using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Testing;
using static Bosun.Server.Tests.KeyedRequests;

namespace Bosun.Server.Tests;

/// <summary>
/// A create sent again with its Idempotency-Key (its first answer was lost) is answered with the run its first attempt
/// made, 200 instead of 201, and makes no other; a new key makes a new run; a key another request used is a 409.
/// </summary>
public sealed class CreateKeyTests
{
    [Fact]
    public async Task CreateFlowRun_SentAgainWithItsKey_AnswersTheRunItMade_MakesNoOther()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var other = await client.DeploymentAsync("p", name: "other");
        using var http = new HttpClient { BaseAddress = server.ApiUrl };
        var path = $"deployments/{deployment.Id}/create_flow_run";

        var (firstStatus, first) = await PostAsync(http, path, """{"parameters": {"n": 1}}""", "key-1");
        var (againStatus, again) = await PostAsync(http, path, """{"parameters": {"n": 1}}""", "key-1");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (firstStatus, againStatus));
        Assert.Equal(Id(first), Id(again));
        Assert.Equal(1, await RunsOfAsync(client, deployment.Id));

        // A new key is a new create; the first key on another deployment is another request's key.
        var (_, second) = await PostAsync(http, path, "{}", "key-2");
        Assert.NotEqual(Id(first), Id(second));
        using var elsewhere = await SendAsync(http, $"deployments/{other.Id}/create_flow_run", "{}", "key-1");
        Assert.Equal(HttpStatusCode.Conflict, elsewhere.StatusCode);
        Assert.Contains(Id(first).ToString(), (await elsewhere.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal((2, 0), (await RunsOfAsync(client, deployment.Id), await RunsOfAsync(client, other.Id)));
    }

    [Fact]
    public async Task CreateFlowRuns_BatchSentAgainWithItsKey_AnswersTheSameRunsNotCreated_MakesNoOther()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        using var http = new HttpClient { BaseAddress = server.ApiUrl };
        var path = $"deployments/{deployment.Id}/create_flow_runs";
        const string Batch = """{"runs": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}""";

        var (_, first) = await PostAsync(http, path, Batch, "batch-1");
        var (_, again) = await PostAsync(http, path, Batch, "batch-1");

        static List<(Guid, bool)> Runs(JsonNode answer) =>
            answer["runs"]!.AsArray().Select(run => (Guid.Parse(run!["id"]!.GetValue<string>()), run["created"]!.GetValue<bool>())).ToList();
        Assert.All(Runs(first), run => Assert.True(run.Item2));
        Assert.Equal(Runs(first).Select(run => (run.Item1, false)), Runs(again));
        Assert.Equal(3, await RunsOfAsync(client, deployment.Id));
    }

    [Fact]
    public async Task SubflowAndDeploymentRuns_SentAgainWithTheirKeys_AnswerTheRunsTheyMade_MakeNoOther()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var started = await client.DeploymentAsync("p", name: "started", flow: "child");
        var parent = await client.RunAsync(deployment);
        using var http = new HttpClient { BaseAddress = server.ApiUrl };

        var (subflowStatus, subflow) = await PostAsync(http, $"flow_runs/{parent.Id}/subflow_runs", """{"flow_name": "sub"}""", "sub-1");
        var (subflowAgainStatus, subflowAgain) = await PostAsync(http, $"flow_runs/{parent.Id}/subflow_runs", """{"flow_name": "sub"}""", "sub-1");
        var (childStatus, child) = await PostAsync(http, $"flow_runs/{parent.Id}/deployment_runs", """{"deployment": "child/started"}""", "child-1");
        var (childAgainStatus, childAgain) = await PostAsync(http, $"flow_runs/{parent.Id}/deployment_runs", """{"deployment": "child/started"}""", "child-1");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (subflowStatus, subflowAgainStatus));
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (childStatus, childAgainStatus));
        Assert.Equal(Id(subflow), Id(subflowAgain));
        Assert.Equal(Id(child), Id(childAgain));
        var children = (await client.ListFlowRunsAsync(new FlowRunFilter(ParentFlowRunId: parent.Id))).Items.Select(run => run.Id).Order();
        Assert.Equal(new[] { Id(child), Id(subflow) }.Order(), children);
        Assert.Equal(1, await RunsOfAsync(client, started.Id));

        // The subflow's key names a run of this parent: sent for another parent, it is another request's.
        var otherParent = await client.RunAsync(deployment);
        using var elsewhere = await SendAsync(http, $"flow_runs/{otherParent.Id}/subflow_runs", """{"flow_name": "sub"}""", "sub-1");
        Assert.Equal(HttpStatusCode.Conflict, elsewhere.StatusCode);
    }

    [Theory]
    [InlineData("create_flow_run", "{}")]
    [InlineData("create_flow_runs", """{"runs": [{}]}""")]
    public async Task Create_KeyLongerThan200Characters_422NamingTheHeader_NothingMade(string route, string body)
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var deployment = await server.Client.DeploymentAsync("p");
        using var http = new HttpClient { BaseAddress = server.ApiUrl };

        using var answer = await SendAsync(http, $"deployments/{deployment.Id}/{route}", body, new string('k', 201));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, answer.StatusCode);
        Assert.NotNull(JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["errors"]!["Idempotency-Key"]);
        Assert.Equal(0, await RunsOfAsync(server.Client, deployment.Id));
    }

    [Theory]
    [InlineData("subflow_runs", """{"flow_name": "sub"}""")]
    [InlineData("deployment_runs", """{"deployment": "no/such"}""")]
    public async Task ChildCreate_KeyLongerThan200Characters_422NamingTheHeader_BeforeAnyLookup(string route, string body)
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var parent = await server.Client.RunAsync(await server.Client.DeploymentAsync("p"));
        using var http = new HttpClient { BaseAddress = server.ApiUrl };

        // The deployment run names a deployment that does not exist: the key is refused first, as on every create.
        using var answer = await SendAsync(http, $"flow_runs/{parent.Id}/{route}", body, new string('k', 201));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, answer.StatusCode);
        Assert.NotNull(JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["errors"]!["Idempotency-Key"]);
        Assert.Empty((await server.Client.ListFlowRunsAsync(new FlowRunFilter(ParentFlowRunId: parent.Id))).Items);
    }

    private static async Task<int> RunsOfAsync(Client.BosunClient client, Guid deploymentId) =>
        (await client.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: deploymentId))).Total;
}
