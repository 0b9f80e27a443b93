using System.Net;
using Bosun.Contracts.ConcurrencyLimits;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>Tag concurrency limits through the API: their upkeep, and slots granted atomically to task runs of many flow runs.</summary>
public sealed class ConcurrencyLimitApiTests
{
    [Fact]
    public async Task CreateListInspectDelete_TagLimit_KeptChangedAndGone()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;

        var created = await client.CreateConcurrencyLimitAsync(new ConcurrencyLimitCreate("db", 2));
        await client.CreateConcurrencyLimitAsync(new ConcurrencyLimitCreate("api", 5));
        var changed = await client.CreateConcurrencyLimitAsync(new ConcurrencyLimitCreate("db", 3));

        Assert.Equal((created.Id, 3, 0), (changed.Id, changed.Limit, changed.ActiveSlots));
        Assert.Equal(["api", "db"], (await client.ListConcurrencyLimitsAsync()).Select(limit => limit.Tag));
        Assert.Equal(3, (await client.GetConcurrencyLimitAsync("db")).Limit);
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CreateConcurrencyLimitAsync(new ConcurrencyLimitCreate("db", -1)), "limit");
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CreateConcurrencyLimitAsync(new ConcurrencyLimitCreate(" ", 1)), "tag");

        await client.DeleteConcurrencyLimitAsync("db");

        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => client.GetConcurrencyLimitAsync("db"), "bosun concurrency-limit create db N");
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => client.DeleteConcurrencyLimitAsync("db"), "no concurrency limit");
        Assert.Equal(["api"], (await client.ListConcurrencyLimitsAsync()).Select(limit => limit.Tag));
    }

    [Fact]
    public async Task AcquireConcurrencySlots_ManyTaskRunsOfTwoFlowRunsAtOnce_NeverMoreThanTheLimit()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.CreateConcurrencyLimitAsync(new ConcurrencyLimitCreate("db", 2));
        await client.CreateConcurrencyLimitAsync(new ConcurrencyLimitCreate("api", 10));
        var runs = new[] { await RunningAsync(client, "one"), await RunningAsync(client, "two") };
        var waiting = Enumerable.Range(0, 24).Select(i => (Run: runs[i % 2], TaskRun: Guid.NewGuid())).ToList();
        var holding = new List<(Guid Run, Guid TaskRun)>();

        while (waiting.Count > 0)
        {
            // Every waiting task run asks at once; the server must hand out only the free slots.
            var grants = await Task.WhenAll(waiting.Select(async w =>
                (w, await client.AcquireConcurrencySlotsAsync(w.Run, new ConcurrencySlotRequest(w.TaskRun, ["db", "api", "untagged"])))));
            var granted = grants.Where(g => g.Item2.Acquired).Select(g => g.w).ToList();
            Assert.Equal(2 - holding.Count, granted.Count);
            Assert.All(grants.Where(g => !g.Item2.Acquired), g => Assert.Equal(("db", 2), (g.Item2.FullTag, g.Item2.Limit)));
            holding.AddRange(granted);
            waiting.RemoveAll(granted.Contains);
            var db = await client.GetConcurrencyLimitAsync("db");
            Assert.Equal(2, db.ActiveSlots);
            Assert.Equal(holding.Select(h => h.TaskRun).Order(), db.ActiveTaskRunIds.Order());
            Assert.Equal(2, (await client.GetConcurrencyLimitAsync("api")).ActiveSlots);

            // A holder asking again keeps its slot; one ends and gives its slots back.
            Assert.True((await client.AcquireConcurrencySlotsAsync(holding[0].Run, new ConcurrencySlotRequest(holding[0].TaskRun, ["db"]))).Acquired);
            await client.ReleaseConcurrencySlotsAsync(holding[0].Run, holding[0].TaskRun);
            holding.RemoveAt(0);
        }
    }

    [Fact]
    public async Task AcquireConcurrencySlots_HolderFlowRunEnded_ItsSlotsNoLongerCountAndItGetsNoMore()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.CreateConcurrencyLimitAsync(new ConcurrencyLimitCreate("db", 1));
        var crashed = await RunningAsync(client, "crashed");
        var other = await RunningAsync(client, "other");
        Assert.True((await client.AcquireConcurrencySlotsAsync(crashed, new ConcurrencySlotRequest(Guid.NewGuid(), ["db"]))).Acquired);
        Assert.False((await client.AcquireConcurrencySlotsAsync(other, new ConcurrencySlotRequest(Guid.NewGuid(), ["db"]))).Acquired);

        // Its process died: the watchdog (or anyone) ends the run, and the slot it held no longer counts.
        await client.SetFlowRunStateAsync(crashed, new StateProposal(StateType.Crashed, Message: "process gone"));

        Assert.Equal(0, (await client.GetConcurrencyLimitAsync("db")).ActiveSlots);
        Assert.True((await client.AcquireConcurrencySlotsAsync(other, new ConcurrencySlotRequest(Guid.NewGuid(), ["db"]))).Acquired);
        await ApiAssert.FailsAsync(HttpStatusCode.Conflict,
            () => client.AcquireConcurrencySlotsAsync(crashed, new ConcurrencySlotRequest(Guid.NewGuid(), ["db"])), "CRASHED");
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound,
            () => client.AcquireConcurrencySlotsAsync(Guid.NewGuid(), new ConcurrencySlotRequest(Guid.NewGuid(), ["db"])), "does not exist");
    }

    private static async Task<Guid> RunningAsync(Bosun.Client.BosunClient client, string name)
    {
        var deployment = await client.UpsertDeploymentAsync(new Contracts.Deployments.DeploymentUpsert("flow", name, Entrypoint: "test"));
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        return run.Id;
    }
}
