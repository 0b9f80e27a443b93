using System.Net;
using System.Text.Json.Nodes;
using Bosun.Contracts.Security;
using Bosun.Testing;
using static Bosun.Server.Tests.KeyedRequests;

namespace Bosun.Server.Tests;

/// <summary>
/// A work pool, queue, schedule, automation or API key whose create is sent again with its Idempotency-Key (its first
/// answer was lost) is answered with what the first attempt made, 200 instead of 201, not a 409 "already exists" (nor,
/// for a schedule, a second schedule that fires too; for an API key, a second key); the same name made by another request
/// is still a 409, and a key another request used is a 409 naming what it made. Overlapping attempts: ConcurrentWriteTests.
/// </summary>
public sealed class NamedCreateKeyTests
{
    [Fact]
    public async Task WorkPool_SentAgainWithItsKey_AnswersThePoolItMade_AnotherRequestsName_Conflicts()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.ApiUrl };
        const string Pool = """{"name": "p", "type": "process"}""";

        var (firstStatus, first) = await PostAsync(http, "work_pools", Pool, "pool-1");
        var (againStatus, again) = await PostAsync(http, "work_pools", Pool, "pool-1");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (firstStatus, againStatus));
        Assert.Equal(Id(first), Id(again));
        Assert.Single(await server.Client.ListWorkQueuesAsync("p"));

        // The same name under another key (or none) was made by another request; the key for another pool made "p".
        using var otherKey = await SendAsync(http, "work_pools", Pool, "pool-2");
        await AssertConflictAsync(otherKey, "already exists");
        using var otherPool = await SendAsync(http, "work_pools", """{"name": "q", "type": "process"}""", "pool-1");
        await AssertConflictAsync(otherPool, "work pool 'p'");
        Assert.Equal(["p"], (await server.Client.ListWorkPoolsAsync()).Items.Select(pool => pool.Name));
    }

    [Fact]
    public async Task WorkQueue_SentAgainWithItsKey_AnswersTheQueueItMade_TheKeyInAnotherPool_Conflicts()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        await client.PoolAsync("other");
        using var http = new HttpClient { BaseAddress = server.ApiUrl };
        const string Queue = """{"name": "high", "priority": 1}""";

        var (firstStatus, first) = await PostAsync(http, "work_pools/p/queues", Queue, "queue-1");
        var (againStatus, again) = await PostAsync(http, "work_pools/p/queues", Queue, "queue-1");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (firstStatus, againStatus));
        Assert.Equal(Id(first), Id(again));
        // Sent again, it did not shift the priorities a second time: the default queue is behind it once.
        Assert.Equal([("high", 1), ("default", 2)], (await client.ListWorkQueuesAsync("p")).Select(queue => (queue.Name, queue.Priority)));

        using var otherKey = await SendAsync(http, "work_pools/p/queues", Queue, "queue-2");
        await AssertConflictAsync(otherKey, "already has a queue named 'high'");
        using var otherPool = await SendAsync(http, "work_pools/other/queues", Queue, "queue-1");
        await AssertConflictAsync(otherPool, "work queue 'high' of pool 'p'");
        Assert.Equal(["default"], (await client.ListWorkQueuesAsync("other")).Select(queue => queue.Name));
    }

    [Fact]
    public async Task Schedule_SentAgainWithItsKey_AnswersTheScheduleItAdded_AddsNoSecond()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var other = await client.DeploymentAsync("p", name: "other");
        using var http = new HttpClient { BaseAddress = server.ApiUrl };
        var path = $"deployments/{deployment.Id}/schedules";
        const string Hourly = """{"interval_seconds": 3600}""";

        var (firstStatus, first) = await PostAsync(http, path, Hourly, "schedule-1");
        var (againStatus, again) = await PostAsync(http, path, Hourly, "schedule-1");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (firstStatus, againStatus));
        Assert.Equal(Id(first), Id(again));
        Assert.Equal([Id(first)], (await client.ListSchedulesAsync(deployment.Id)).Select(schedule => schedule.Id));

        // A new key adds a schedule (two of the same are allowed); the first key on another deployment is a 409.
        var (_, second) = await PostAsync(http, path, Hourly, "schedule-2");
        Assert.NotEqual(Id(first), Id(second));
        using var elsewhere = await SendAsync(http, $"deployments/{other.Id}/schedules", Hourly, "schedule-1");
        await AssertConflictAsync(elsewhere, Id(first).ToString());
        Assert.Equal((2, 0), ((await client.ListSchedulesAsync(deployment.Id)).Count, (await client.ListSchedulesAsync(other.Id)).Count));
    }

    [Fact]
    public async Task Automation_SentAgainWithItsKey_AnswersTheRuleItMade_AnotherRequestsName_Conflicts()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.ApiUrl };
        static string Rule(string name) =>
            $$"""{"name": "{{name}}", "trigger": {"kind": "run_state", "states": ["FAILED"]}, "actions": [{"kind": "webhook", "url": "http://127.0.0.1:9/hook"}]}""";

        var (firstStatus, first) = await PostAsync(http, "automations", Rule("page"), "rule-1");
        var (againStatus, again) = await PostAsync(http, "automations", Rule("page"), "rule-1");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (firstStatus, againStatus));
        Assert.Equal(Id(first), Id(again));

        using var otherKey = await SendAsync(http, "automations", Rule("page"), "rule-2");
        await AssertConflictAsync(otherKey, "already exists");
        using var otherRule = await SendAsync(http, "automations", Rule("other"), "rule-1");
        await AssertConflictAsync(otherRule, "automation 'page'");
        Assert.Equal(["page"], (await server.Client.ListAutomationsAsync()).Select(rule => rule.Name));
    }

    [Fact]
    public async Task ApiKey_SentAgainWithItsKey_AnswersTheSameSecret_AnotherCallersKey_IsAnotherRequest()
    {
        await using var server = await TestServer.StartAsync();
        var root = await server.Client.CreateApiKeyAsync(new ApiKeyCreate("root", ApiKeyRole.Admin));
        using var rootClient = server.NewClient(root.Key);
        var other = await rootClient.CreateApiKeyAsync(new ApiKeyCreate("other-admin", ApiKeyRole.Admin));
        using var asRoot = Authorized(server, root.Key);
        using var asOther = Authorized(server, other.Key);
        const string Worker = """{"name": "ci", "role": "worker"}""";

        var (firstStatus, first) = await PostAsync(asRoot, "api_keys", Worker, "api-key-1");
        var (againStatus, again) = await PostAsync(asRoot, "api_keys", Worker, "api-key-1");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (firstStatus, againStatus));
        Assert.Equal((Id(first["api_key"]!), Secret(first)), (Id(again["api_key"]!), Secret(again)));
        using (var asWorker = Authorized(server, Secret(first)))
        {
            Assert.Equal(HttpStatusCode.OK, (await asWorker.GetAsync("work_pools")).StatusCode);
        }

        // The same key sent by another caller is that caller's request: a key of its own, with a secret of its own.
        var (elsewhereStatus, elsewhere) = await PostAsync(asOther, "api_keys", Worker, "api-key-1");
        Assert.Equal(HttpStatusCode.Created, elsewhereStatus);
        Assert.NotEqual(Id(first["api_key"]!), Id(elsewhere["api_key"]!));
        Assert.NotEqual(Secret(first), Secret(elsewhere));

        // The first caller's key for another key's create is a 409 naming the key it made.
        using var renamed = await SendAsync(asRoot, "api_keys", """{"name": "deploys", "role": "developer"}""", "api-key-1");
        await AssertConflictAsync(renamed, "API key 'ci'");
        var names = (await rootClient.ListApiKeysAsync()).Select(key => key.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["ci", "ci", "other-admin", "root"], names);

        static string Secret(JsonNode answer) => answer["key"]!.GetValue<string>();
    }

    [Fact]
    public async Task Creates_KeyTooLong_Refused422_MakeNothing()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        using var http = new HttpClient { BaseAddress = server.ApiUrl };
        var key = new string('k', 201);

        foreach (var (path, body) in new[]
        {
            ("work_pools", """{"name": "q", "type": "process"}"""),
            ("work_pools/p/queues", """{"name": "high"}"""),
            ($"deployments/{deployment.Id}/schedules", """{"interval_seconds": 3600}"""),
            ("automations", """{"name": "page", "trigger": {"kind": "run_state", "states": ["FAILED"]}, "actions": [{"kind": "webhook", "url": "http://127.0.0.1:9/hook"}]}"""),
        })
        {
            using var answer = await SendAsync(http, path, body, key);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, answer.StatusCode);
            Assert.NotNull(JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["errors"]!["Idempotency-Key"]);
        }

        Assert.Equal(["p"], (await client.ListWorkPoolsAsync()).Items.Select(pool => pool.Name));
        Assert.Single(await client.ListWorkQueuesAsync("p"));
        Assert.Empty(await client.ListSchedulesAsync(deployment.Id));
        Assert.Empty(await client.ListAutomationsAsync());
    }

    private static HttpClient Authorized(TestServer server, string apiKey)
    {
        var http = new HttpClient { BaseAddress = server.ApiUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", apiKey);
        return http;
    }

    private static async Task AssertConflictAsync(HttpResponseMessage answer, string detail)
    {
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.Conflict, $"{(int)answer.StatusCode} {text}");
        Assert.Contains(detail, text, StringComparison.Ordinal);
    }
}
