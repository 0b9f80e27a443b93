using System.Net;
using System.Text.Json.Nodes;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Server.Orchestration.FlowRuns;
using Bosun.Testing;
using static Bosun.Server.Tests.KeyedRequests;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Server.Tests;

/// <summary>
/// A claim sent again with its Idempotency-Key (its first answer was lost) gets the runs the first attempt took that are
/// still the claimant's, as they are now, and takes no other; another claimant's key, or a new key, claims afresh.
/// </summary>
public sealed class ClaimKeyTests
{
    [Fact]
    public async Task PoolClaim_SentAgainWithItsKey_AnswersTheRunsItTook_TakesNoOther()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        for (var i = 0; i < 4; i++)
        {
            await client.RunAsync(deployment);
        }

        using var http = new HttpClient { BaseAddress = server.ApiUrl };
        Task<List<Guid>> ClaimAsync(string worker, string key, int max = 2) =>
            RunIdsAsync(http, "work_pools/p/claim", $$"""{"worker_name": "{{worker}}", "max_runs": {{max}}}""", key);

        var first = await ClaimAsync("w1", "key-1");
        var again = await ClaimAsync("w1", "key-1");
        Assert.Equal(2, first.Count);
        Assert.Equal(first, again);
        Assert.Equal(2, await ScheduledAsync(client));

        // A run that moved on since is answered as it is now while still the claimant's; a finished one is left out.
        await client.SetFlowRunStateAsync(first[0], new StateProposal(StateType.Running));
        await client.CompleteAsync(first[1]);
        var (_, later) = await PostAsync(http, "work_pools/p/claim", """{"worker_name": "w1", "max_runs": 2}""", "key-1");
        var still = Assert.Single(later["runs"]!.AsArray());
        Assert.Equal((first[0], "RUNNING"), (Guid.Parse(still!["flow_run"]!["id"]!.GetValue<string>()), still["flow_run"]!["state"]!["type"]!.GetValue<string>()));
        Assert.Equal(2, await ScheduledAsync(client));

        // The key is the claimant's own; a new key is a new claim.
        Assert.Single(await ClaimAsync("w2", "key-1", max: 1));
        Assert.Single(await ClaimAsync("w1", "key-2", max: 1));
        Assert.Equal(0, await ScheduledAsync(client));
        Assert.Empty(await ClaimAsync("w1", "key-3"));
    }

    [Fact]
    public async Task ServedClaim_InProcess_SentAgainWithItsKey_AnswersTheRunItStarted_TakesNoOther()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "served"));
        await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        using var http = new HttpClient { BaseAddress = server.ApiUrl };
        var body = $$"""{"process_name": "serve-1", "deployment_ids": ["{{deployment.Id}}"], "max_runs": 1, "in_process_infrastructure_id": "in-process:1"}""";

        var (_, first) = await PostAsync(http, "deployments/claim", body, "served-1");
        var (_, again) = await PostAsync(http, "deployments/claim", body, "served-1");

        var run = Assert.Single(first["runs"]!.AsArray())!["flow_run"]!;
        var resent = Assert.Single(again["runs"]!.AsArray())!["flow_run"]!;
        Assert.Equal("RUNNING", run["state"]!["type"]!.GetValue<string>());
        Assert.Equal((run["id"]!.GetValue<string>(), run["state"]!["id"]!.GetValue<string>()),
            (resent["id"]!.GetValue<string>(), resent["state"]!["id"]!.GetValue<string>()));
        Assert.Equal(1, await ScheduledAsync(client));
        Assert.Single(await RunIdsAsync(http, "deployments/claim", body, "served-2"));
    }

    [Fact]
    public async Task PoolClaim_KeyOlderThanAnHour_ForgottenBySweep_ClaimedAfresh()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var server = await TestServer.StartAsync(clock);
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        await client.RunAsync(deployment);
        using var http = new HttpClient { BaseAddress = server.ApiUrl };
        // A worker heartbeating hourly: still alive two hours on, so its run stays its own.
        const string claim = """{"worker_name": "w1", "max_runs": 1, "heartbeat_interval_seconds": 3600}""";
        var first = Assert.Single(await RunIdsAsync(http, "work_pools/p/claim", claim, "old-key"));
        await client.RunAsync(deployment);

        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal([first], await RunIdsAsync(http, "work_pools/p/claim", claim, "old-key"));
        clock.Advance(TimeSpan.FromMinutes(2));
        // The service's own loop may sweep first (the advanced clock fires its timer); either way the key goes.
        await server.HostedService<ClaimRetentionService>().SweepAsync(default);
        // Claimed afresh: the key no longer names the first run. On PostgreSQL a claim passes over a run another
        // transaction holds or changes meanwhile (the services the clock woke: the late-run rename), and answers nothing,
        // as in 2 of 5 runs here: a claim that took nothing records no key, so the same key claims again.
        var afresh = Assert.Single(await Eventually.ValueAsync(() => RunIdsAsync(http, "work_pools/p/claim", claim, "old-key"), ids => ids.Count > 0,
            "a claim with the forgotten key takes a run"));

        Assert.NotEqual(first, afresh);
        Assert.Equal(0, await ScheduledAsync(client));
    }

    [Theory]
    [InlineData("work_pools/p/claim", """{"worker_name": "w1", "max_runs": 1}""")]
    [InlineData("deployments/claim", """{"process_name": "serve-1", "deployment_ids": ["00000000-0000-0000-0000-000000000001"], "max_runs": 1}""")]
    public async Task Claim_KeyLongerThan200Characters_422NamingTheHeader(string path, string body)
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        using var http = new HttpClient { BaseAddress = server.ApiUrl };

        using var answer = await SendAsync(http, path, body, new string('k', 201));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, answer.StatusCode);
        var problem = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!;
        Assert.NotNull(problem["errors"]!["Idempotency-Key"]);
    }

    private static async Task<int> ScheduledAsync(Client.BosunClient client) =>
        (await client.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Scheduled]))).Total;

    private static async Task<List<Guid>> RunIdsAsync(HttpClient http, string path, string body, string key) =>
        (await PostAsync(http, path, body, key)).Answer["runs"]!.AsArray().Select(run => Guid.Parse(run!["flow_run"]!["id"]!.GetValue<string>())).ToList();
}
