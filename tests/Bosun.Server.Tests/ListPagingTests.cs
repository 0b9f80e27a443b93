using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Bosun.Contracts.Automations;
using Bosun.Contracts.Schedules;
using Bosun.Contracts.Security;
using Bosun.Contracts.States;
using Bosun.Contracts.TaskRuns;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>
/// Every list route that answered a bare array has a paged form (GET .../page, limit and cursor, the Page envelope);
/// the bare array stays, deprecated, until API 2.0 (docs/api.md). Each case seeds seven items of one list.
/// </summary>
public sealed class ListPagingTests
{
    private const int Seeded = 7;

    public static TheoryData<string> Lists => ["queues", "workers", "schedules", "api_keys", "secrets", "task_runs", "automations"];

    [Theory]
    [MemberData(nameof(Lists))]
    public async Task PagedList_WalkedByCursor_EveryItemOnceInListOrder(string list)
    {
        await using var server = await TestServer.StartAsync();
        var seeded = await SeedAsync(server, list);
        var http = Http(seeded);

        var walked = new List<string>();
        var offsets = new List<int>();
        string? cursor = null;
        do
        {
            var page = await GetObjectAsync(http, $"{seeded.Route}/page?limit=3" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            Assert.Equal(Seeded, page["total"]!.GetValue<int>());
            Assert.Equal(3, page["limit"]!.GetValue<int>());
            offsets.Add(page["offset"]!.GetValue<int>());
            walked.AddRange(page["items"]!.AsArray().Select(item => item![seeded.IdField]!.ToString()));
            cursor = page["next_cursor"]?.GetValue<string>();
        }
        while (cursor is not null);

        Assert.Equal(seeded.Expected, walked);
        Assert.Equal([0, 3, 6], offsets);
        Assert.Equal(seeded.Expected, await seeded.All());
    }

    [Theory]
    [MemberData(nameof(Lists))]
    public async Task PagedList_LimitOutOfBoundsOrForeignCursor_ProblemNamingTheParameter(string list)
    {
        await using var server = await TestServer.StartAsync();
        var seeded = await SeedAsync(server, list);
        var http = Http(seeded);

        var everything = await GetObjectAsync(http, $"{seeded.Route}/page?limit=500");
        Assert.Equal(Seeded, everything["items"]!.AsArray().Count);
        Assert.Null(everything["next_cursor"]);
        Assert.Equal(100, (await GetObjectAsync(http, $"{seeded.Route}/page"))["limit"]!.GetValue<int>());
        foreach (var (query, status, type, field) in new[]
                 {
                     ("limit=0", HttpStatusCode.UnprocessableEntity, "urn:bosun:problem:validation", "limit"),
                     ("limit=501", HttpStatusCode.UnprocessableEntity, "urn:bosun:problem:validation", "limit"),
                     ("cursor=page-2", HttpStatusCode.BadRequest, "urn:bosun:problem:bad-request", "cursor"),
                     ("cursor=" + Convert.ToBase64String("k2:x"u8.ToArray()), HttpStatusCode.BadRequest, "urn:bosun:problem:bad-request", "cursor"),
                 })
        {
            using var answer = await http.GetAsync($"{seeded.Route}/page?{query}");
            Assert.Equal(status, answer.StatusCode);
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
            var problem = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!;
            Assert.Equal(type, problem["type"]!.GetValue<string>());
            Assert.NotNull(problem["errors"]![field]);
        }
    }

    [Theory]
    [MemberData(nameof(Lists))]
    public async Task DeprecatedList_WithoutPage_StillAnswersTheBareArrayOfEveryItem(string list)
    {
        await using var server = await TestServer.StartAsync();
        var seeded = await SeedAsync(server, list);

        using var answer = await Http(seeded).GetAsync(seeded.Route);

        answer.EnsureSuccessStatusCode();
        var items = Assert.IsType<JsonArray>(JsonNode.Parse(await answer.Content.ReadAsStringAsync()));
        Assert.Equal(seeded.Expected.Order(StringComparer.Ordinal), items.Select(item => item![seeded.IdField]!.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task PagedList_ItemAddedBehindTheCursor_NeitherRepeatsNorHidesTheOthers()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        foreach (var name in new[] { "b", "d", "f", "h" })
        {
            await client.SetSecretAsync(name, "v");
        }

        var first = await client.ListSecretsPageAsync(limit: 2);
        await client.SetSecretAsync("a", "v");
        await client.DeleteSecretAsync("b");
        await client.SetSecretAsync("e", "v");
        var second = await client.ListSecretsPageAsync(first.NextCursor, 2);
        var third = await client.ListSecretsPageAsync(second.NextCursor, 2);

        Assert.Equal(["b", "d", "e", "f", "h"], first.Items.Concat(second.Items).Concat(third.Items).Select(s => s.Name));
        Assert.Null(third.NextCursor);
    }

    private sealed record SeededList(string Route, string IdField, IReadOnlyList<string> Expected, Func<Task<IReadOnlyList<string>>> All, Uri Api, string? Key);

    private static HttpClient Http(SeededList seeded)
    {
        var http = new HttpClient { BaseAddress = seeded.Api };
        if (seeded.Key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", seeded.Key);
        }

        return http;
    }

    private static async Task<JsonObject> GetObjectAsync(HttpClient http, string path)
    {
        using var answer = await http.GetAsync(path);
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, $"{path}: {(int)answer.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    private static string Sortable(DateTimeOffset time, Guid id) => time.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + id.ToString("N");

    private static async Task<SeededList> SeedAsync(TestServer server, string list)
    {
        var client = server.Client;
        var api = client.ApiUrl;
        var names = new[] { "g", "c", "a", "e", "b", "f", "d" };
        switch (list)
        {
            case "queues":
                await client.PoolAsync("p");
                foreach (var (name, priority) in new[] { ("q-c", 3), ("q-a", 3), ("q-b", 2), ("q-e", 5), ("q-d", 4), ("q-f", 2) })
                {
                    await client.CreateWorkQueueAsync("p", new WorkQueueCreate(name, Priority: priority));
                }

                // Priorities are kept distinct (a new queue pushes the ones at or after its priority down), so the order is read back.
                var queues = await client.ListWorkQueuesPageAsync("p", limit: 500);
                return new SeededList("work_pools/p/queues", "name", [.. queues.Items.OrderBy(q => q.Priority).ThenBy(q => q.Name, StringComparer.Ordinal).Select(q => q.Name)],
                    async () => [.. (await client.ListWorkQueuesAsync("p")).Select(q => q.Name)], api, null);
            case "workers":
                await client.PoolAsync("p");
                foreach (var name in names)
                {
                    await client.SendWorkerHeartbeatAsync("p", new WorkerHeartbeat("w-" + name, HeartbeatIntervalSeconds: 10));
                }

                return new SeededList("work_pools/p/workers", "name", [.. names.Order(StringComparer.Ordinal).Select(n => "w-" + n)],
                    async () => [.. (await client.ListWorkersAsync("p")).Select(w => w.Name)], api, null);
            case "schedules":
                await client.PoolAsync("p");
                var deployment = await client.DeploymentAsync("p");
                var schedules = new List<DeploymentSchedule>();
                for (var i = 1; i <= Seeded; i++)
                {
                    schedules.Add(await client.AddScheduleAsync(deployment.Id, new ScheduleSpec(IntervalSeconds: 60 * i)));
                }

                return new SeededList($"deployments/{deployment.Id}/schedules", "id",
                    [.. schedules.OrderBy(s => Sortable(s.Created, s.Id), StringComparer.Ordinal).Select(s => s.Id.ToString())],
                    async () => [.. (await client.ListSchedulesAsync(deployment.Id)).Select(s => s.Id.ToString())], api, null);
            case "api_keys":
                var admin = (await client.CreateApiKeyAsync(new ApiKeyCreate("admin", ApiKeyRole.Admin))).Key;
                var asAdmin = server.NewClient(admin);
                for (var i = 1; i < Seeded; i++)
                {
                    await asAdmin.CreateApiKeyAsync(new ApiKeyCreate("key-" + names[i], ApiKeyRole.Viewer));
                }

                var keys = await asAdmin.ListApiKeysPageAsync(limit: 500);
                return new SeededList("api_keys", "name", [.. keys.Items.OrderBy(k => Sortable(k.Created, k.Id), StringComparer.Ordinal).Select(k => k.Name)],
                    async () => [.. (await asAdmin.ListApiKeysAsync()).Select(k => k.Name)], api, admin);
            case "secrets":
                foreach (var name in names)
                {
                    await client.SetSecretAsync("s-" + name, "value");
                }

                return new SeededList("secrets", "name", [.. names.Order(StringComparer.Ordinal).Select(n => "s-" + n)],
                    async () => [.. (await client.ListSecretsAsync()).Select(s => s.Name)], api, null);
            case "task_runs":
                await client.PoolAsync("p");
                var run = (await client.RunAsync(await client.DeploymentAsync("p"))).Id;
                foreach (var name in names)
                {
                    await client.RecordTaskRunsAsync([new TaskRunReport(Guid.NewGuid(), run, "task-" + name, 1, TaskRunStateType.Running, 1)]);
                }

                var recorded = await client.ListTaskRunsPageAsync(run, limit: 500);
                return new SeededList($"flow_runs/{run}/task_runs", "id",
                    [.. recorded.Items.OrderBy(t => Sortable(t.Created, t.Id), StringComparer.Ordinal).Select(t => t.Id.ToString())],
                    async () => [.. (await client.ListTaskRunsAsync(run)).Select(t => t.Id.ToString())], api, null);
            case "automations":
                foreach (var name in names)
                {
                    await client.CreateAutomationAsync(new AutomationCreate("rule-" + name, new AutomationTrigger(AutomationTriggerKind.RunState, [StateType.Failed]),
                        [new AutomationAction(AutomationActionKind.Webhook, "http://127.0.0.1:9/hook")]));
                }

                return new SeededList("automations", "name", [.. names.Order(StringComparer.Ordinal).Select(n => "rule-" + n)],
                    async () => [.. (await client.ListAutomationsAsync()).Select(a => a.Name)], api, null);
            default:
                throw new ArgumentOutOfRangeException(nameof(list), list, "no such list");
        }
    }
}
