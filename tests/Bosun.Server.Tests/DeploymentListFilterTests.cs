using Bosun.Contracts.Deployments;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;
using Bosun.Ui.Backend;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Tests;

/// <summary>
/// The web UI's search and the deployments list's filters (issue 20) are matched in SQL over every row, on the store
/// BOSUN_TEST_STORE names: a match sorted past the 500th deployment (the API's largest page) is found and counted, the
/// name and tag matches ignore case, LIKE's wildcards are literal, and the pages follow each other by keyset.
/// </summary>
public sealed class DeploymentListFilterTests
{
    /// <summary>More than the 500 rows the UI used to read and filter in memory.</summary>
    private const int Fillers = 510;

    [Fact]
    public async Task DeploymentFiltersAndSearch_MatchPastThe500th_FoundCountedAndPagedInSql()
    {
        await using var server = await TestServer.StartAsync(configure: options => options.ServiceInterval = TimeSpan.FromDays(1));
        var client = server.Client;
        await client.PoolAsync("Alpha-Pool");
        await client.PoolAsync("beta_pool");
        await client.PoolAsync("betaXpool");
        static DeploymentUpsert Filler(int i) => new("bulk", $"filler-{i:D3}", "echo hi", WorkPoolName: "betaXpool", Tags: ["bulk"]);

        // Concurrent from the first: the first upserts of the new flow race for its row, and none may fail for it.
        using (var gate = new SemaphoreSlim(4))
        {
            await Task.WhenAll(Enumerable.Range(0, Fillers).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    await client.UpsertDeploymentAsync(Filler(i));
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        // Flow "zz-flow" sorts after every "bulk" deployment: on no first page of 500.
        var needle = await client.UpsertDeploymentAsync(new DeploymentUpsert("zz-flow", "Needle-Report", "echo hi", WorkPoolName: "Alpha-Pool",
            Tags: ["Nightly", "reports"], Paused: true));
        var served = await client.UpsertDeploymentAsync(new DeploymentUpsert("zz-flow", "served-one", "echo hi", Tags: ["nightly-ish"]));
        var ready = await client.UpsertDeploymentAsync(new DeploymentUpsert("zz-flow", "ready-one", "echo hi", WorkPoolName: "beta_pool"));
        await client.ClaimAsync("beta_pool");
        var firstPage = await client.ListDeploymentsAsync(limit: 500);
        Assert.DoesNotContain(firstPage.Items, deployment => deployment.Id == needle.Id);

        var deployments = server.Server.Services.GetRequiredService<IDeploymentBackend>();
        async Task<List<Guid>> Ids(DeploymentQuery query)
        {
            var page = await deployments.ListAsync(query, null, 100, default);
            Assert.Equal(page.Items.Count, page.Total);
            return page.Items.Select(deployment => deployment.Id).ToList();
        }

        // Name: part of flow/name, any case; the flow's part matches too.
        Assert.Equal([needle.Id], await Ids(new DeploymentQuery(NameContains: "needle")));
        Assert.Equal([needle.Id], await Ids(new DeploymentQuery(NameContains: "ZZ-FLOW/NEEDLE")));
        // Tag: a whole tag, any case; part of one matches nothing.
        Assert.Equal([needle.Id], await Ids(new DeploymentQuery(Tag: "nightly")));
        Assert.Equal([served.Id], await Ids(new DeploymentQuery(Tag: "Nightly-ish")));
        Assert.Empty(await Ids(new DeploymentQuery(Tag: "night")));
        // Pool, served (no pool), and status: PAUSED, READY (its queue polled a moment ago), NOT_READY.
        Assert.Equal([needle.Id], await Ids(new DeploymentQuery(WorkPoolName: "Alpha-Pool")));
        Assert.Equal([served.Id], await Ids(new DeploymentQuery(Served: true)));
        Assert.Equal([needle.Id], await Ids(new DeploymentQuery(Status: ReadinessStatus.Paused)));
        Assert.Equal([ready.Id], await Ids(new DeploymentQuery(Status: ReadinessStatus.Ready)));
        Assert.Equal([served.Id], await Ids(new DeploymentQuery(NameContains: "zz-flow", Status: ReadinessStatus.NotReady)));
        // Filters combine.
        Assert.Empty(await Ids(new DeploymentQuery(NameContains: "needle", Served: true)));
        Assert.Equal([needle.Id], await Ids(new DeploymentQuery(NameContains: "report", WorkPoolName: "Alpha-Pool", Tag: "REPORTS", Status: ReadinessStatus.Paused)));

        // Keyset pages of one filter: every match once, in order, each page counting them all.
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await deployments.ListAsync(new DeploymentQuery(NameContains: "FILLER-", Tag: "bulk"), cursor, 200, default);
            Assert.Equal(Fillers, page.Total);
            seen.AddRange(page.Items.Select(deployment => deployment.FullName));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(Enumerable.Range(0, Fillers).Select(i => $"bulk/filler-{i:D3}"), seen);

        // The search page: pools and deployments by part of the name, the first few listed and every match counted.
        var search = server.Server.Services.GetRequiredService<ISearchBackend>();
        var found = await search.FindByNameAsync("NEEDLE", 100, default);
        Assert.Equal([needle.Id], found.Deployments.Select(deployment => deployment.Id));
        Assert.Equal(1, found.DeploymentCount);
        var fillers = await search.FindByNameAsync("filler-5", 3, default);
        Assert.Equal(["bulk/filler-500", "bulk/filler-501", "bulk/filler-502"], fillers.Deployments.Select(deployment => deployment.FullName));
        Assert.Equal(10, fillers.DeploymentCount);
        var pools = await search.FindByNameAsync("alpha", 100, default);
        Assert.Equal(["Alpha-Pool"], pools.Pools.Select(pool => pool.Name));
        Assert.Equal(1, pools.PoolCount);
        Assert.Equal(0, pools.DeploymentCount);
        // LIKE's wildcards are the text's own characters: "_" matches an underscore, not any character; "%" matches nothing here.
        var underscore = await search.FindByNameAsync("beta_", 100, default);
        Assert.Equal(["beta_pool"], underscore.Pools.Select(pool => pool.Name));
        Assert.Equal(0, (await search.FindByNameAsync("%", 100, default)).PoolCount);
    }
}
