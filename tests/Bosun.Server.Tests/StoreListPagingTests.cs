using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Bosun.Contracts.ConcurrencyLimits;
using Bosun.Contracts.States;
using Bosun.Contracts.Security;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>
/// The lists that answered a page by offset (work pools, flows, deployments, the audit log; paged by key in the store),
/// the tag concurrency limits and a run's state history take a cursor as the others do: the previous page's
/// next_cursor, the page after it found by key, whatever was added meanwhile.
/// </summary>
public sealed class StoreListPagingTests
{
    private const int Seeded = 7;

    public static TheoryData<string> Lists => ["work_pools", "flows", "deployments", "audit", "concurrency_limits"];

    [Theory]
    [MemberData(nameof(Lists))]
    public async Task List_WalkedByCursor_EveryItemOnceInTheOffsetOrderAndAnItemAddedBehindTheCursorIsNotSeen(string list)
    {
        await using var server = await TestServer.StartAsync();
        var seeded = await SeedAsync(server, list);
        using var http = Http(server, seeded.Key);
        var inOrder = Ids(await GetAsync(http, With(seeded.Route, "limit=500")), seeded.IdField);
        Assert.Equal(Seeded, inOrder.Count);

        var walked = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await GetAsync(http, With(seeded.Route, "limit=3" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))));
            walked.AddRange(Ids(page, seeded.IdField));
            cursor = page["next_cursor"]?.GetValue<string>();
            if (pages++ == 0)
            {
                // Sorts before everything ("alpha", or the newest audit entry): behind the cursor, so never on a later page.
                await seeded.AddBehind();
            }
        }
        while (cursor is not null);

        Assert.Equal(inOrder, walked);
        Assert.Equal(3, pages);
    }

    [Theory]
    [MemberData(nameof(Lists))]
    public async Task List_ForeignCursorOrCursorWithOffset_ProblemNamingTheCursor(string list)
    {
        await using var server = await TestServer.StartAsync();
        var seeded = await SeedAsync(server, list);
        using var http = Http(server, seeded.Key);
        var first = await GetAsync(http, With(seeded.Route, "limit=3"));
        var cursor = Uri.EscapeDataString(first["next_cursor"]!.GetValue<string>());

        var cases = new List<(string Query, HttpStatusCode Status)>
        {
            ("cursor=page-2", HttpStatusCode.BadRequest),
            ("cursor=" + Uri.EscapeDataString(Convert.ToBase64String("k2:bravo"u8.ToArray())), HttpStatusCode.BadRequest),
        };
        if (list != "concurrency_limits")
        {
            // The lists that also page by position (the tag limits take no offset).
            cases.Add(($"cursor={cursor}&offset=3", HttpStatusCode.UnprocessableEntity));
        }

        foreach (var (query, status) in cases)
        {
            using var answer = await http.GetAsync(With(seeded.Route, query));
            Assert.Equal(status, answer.StatusCode);
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["errors"]!["cursor"]);
        }
    }

    [Fact]
    public async Task StateHistoryPage_CompletedRun_WalkedByCursorOldestFirst()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var run = await client.RunAsync(await client.DeploymentAsync("p"));
        await client.ClaimAsync("p", prefetchSeconds: 0);
        await client.CompleteAsync(run.Id);

        var first = await client.GetFlowRunStatesPageAsync(run.Id, limit: 3);
        var second = await client.GetFlowRunStatesPageAsync(run.Id, first.NextCursor, limit: 3);

        Assert.Equal(4, first.Total);
        Assert.Equal([StateType.Scheduled, StateType.Pending, StateType.Running, StateType.Completed], first.Items.Concat(second.Items).Select(state => state.Type));
        Assert.Null(second.NextCursor);
        Assert.Equal(first.Items.Concat(second.Items).Select(state => state.Id), (await client.GetFlowRunStatesAsync(run.Id)).Select(state => state.Id));
    }

    private sealed record SeededList(string Route, string IdField, string? Key, Func<Task> AddBehind);

    private static async Task<SeededList> SeedAsync(TestServer server, string list)
    {
        var client = server.Client;
        string[] names = ["bravo", "hotel", "charlie", "golf", "delta", "foxtrot", "echo"];
        switch (list)
        {
            case "work_pools":
                foreach (var name in names)
                {
                    await client.PoolAsync(name);
                }

                return new SeededList("work_pools", "name", null, () => client.PoolAsync("alpha"));
            case "flows":
                await client.PoolAsync("p");
                foreach (var name in names)
                {
                    await client.DeploymentAsync("p", flow: name);
                }

                return new SeededList("flows", "name", null, () => client.DeploymentAsync("p", flow: "alpha"));
            case "deployments":
                await client.PoolAsync("p");
                // Two flows, so the order is by flow, then by name within it.
                foreach (var (name, i) in names.Select((name, i) => (name, i)))
                {
                    await client.DeploymentAsync("p", name: name, flow: i % 2 == 0 ? "flow-b" : "flow-c");
                }

                return new SeededList("deployments", "id", null, () => client.DeploymentAsync("p", name: "alpha", flow: "flow-a"));
            case "concurrency_limits":
                foreach (var name in names)
                {
                    await client.CreateConcurrencyLimitAsync(new ConcurrencyLimitCreate(name, 2));
                }

                return new SeededList("concurrency_limits", "tag", null, () => client.CreateConcurrencyLimitAsync(new ConcurrencyLimitCreate("alpha", 2)));
            default:
                var admin = (await client.CreateApiKeyAsync(new ApiKeyCreate("admin", ApiKeyRole.Admin))).Key;
                var asAdmin = server.NewClient(admin);
                foreach (var name in names)
                {
                    await asAdmin.CreateWorkPoolAsync(new WorkPoolCreate(name, "process"));
                }

                // The newest entry comes first: one made after the first page sorts before everything.
                return new SeededList("audit?since=1h&key=admin", "id", admin, () => asAdmin.CreateWorkPoolAsync(new WorkPoolCreate("alpha", "process")));
        }
    }

    private static HttpClient Http(TestServer server, string? key)
    {
        var http = new HttpClient { BaseAddress = server.ApiUrl };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return http;
    }

    private static List<string> Ids(JsonObject page, string field) => [.. page["items"]!.AsArray().Select(item => item![field]!.ToString())];

    private static string With(string route, string query) => route + (route.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query;

    private static async Task<JsonObject> GetAsync(HttpClient http, string path)
    {
        using var answer = await http.GetAsync(path);
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, $"{path}: {(int)answer.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }
}
