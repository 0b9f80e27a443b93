using System.Net;
using Bosun.Testing;
using static Bosun.Server.Tests.KeyedRequests;

namespace Bosun.Server.Tests;

/// <summary>
/// Writes of the same name at the same moment: on PostgreSQL each checks before it inserts, and a writer that loses the
/// race fails on the unique index. The store runs its work again, whose check then sees the winner's write: a 409 for a
/// create of a name taken (a pool's loser was answered 500 before), an update for an upsert (a deployment's upsert, which
/// also makes its flow, already took the race; this holds it), and for a keyed create's overlapping attempts the pool the
/// first one made.
/// </summary>
public sealed class ConcurrentWriteTests
{
    [Fact]
    public async Task WorkPool_SameNameEightAtOnce_One201SevenConflicts_NeverA500()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.ApiUrl };

        var answers = await AtOnceAsync(8, () => Request(HttpMethod.Post, "work_pools", """{"name": "p", "type": "process"}"""), http);

        Assert.Equal([(HttpStatusCode.Created, 1), (HttpStatusCode.Conflict, 7)], Counts(answers));
        Assert.All(answers.Where(answer => answer.Status == HttpStatusCode.Conflict), answer => Assert.Contains("already exists", answer.Text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task WorkPool_SentEightTimesAtOnceWithItsKey_OneMadeTheOthersAnswerIt()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.ApiUrl };

        // A client's attempts overlapping (the first still being written when the next arrives): on PostgreSQL each waits
        // for the first's insert, fails on its key, and runs again to find it.
        var answers = await AtOnceAsync(8, () => Request(HttpMethod.Post, "work_pools", """{"name": "q", "type": "process"}""", "pool-at-once"), http);

        Assert.True(answers.Count(answer => answer.Status == HttpStatusCode.Created) == 1 && answers.All(answer => answer.Status is HttpStatusCode.Created or HttpStatusCode.OK),
            string.Join("\n", answers.Select(answer => $"{(int)answer.Status} {answer.Text}")));
        Assert.Equal(["q"], (await server.Client.ListWorkPoolsAsync()).Items.Select(pool => pool.Name));
    }

    [Fact]
    public async Task Deployment_NewFlowUpsertedEightAtOnce_One201SevenUpdates_NeverA500()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        using var http = new HttpClient { BaseAddress = server.ApiUrl };

        // Each upsert of a deployment of a new flow makes the flow too: both names are raced for.
        var answers = await AtOnceAsync(8, () => Request(HttpMethod.Put, "deployments", """{"flow_name": "etl", "name": "nightly", "entrypoint": "x", "work_pool_name": "p"}"""), http);

        Assert.Equal([(HttpStatusCode.OK, 7), (HttpStatusCode.Created, 1)], Counts(answers));
        Assert.Single((await server.Client.ListDeploymentsAsync()).Items);
    }

    private static async Task<(HttpStatusCode Status, string Text)[]> AtOnceAsync(int count, Func<HttpRequestMessage> request, HttpClient http) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            using var message = request();
            using var answer = await http.SendAsync(message);
            return (answer.StatusCode, await answer.Content.ReadAsStringAsync());
        }));

    private static IEnumerable<(HttpStatusCode, int)> Counts((HttpStatusCode Status, string Text)[] answers) =>
        answers.CountBy(answer => answer.Status).Select(pair => (pair.Key, pair.Value)).Order();
}
