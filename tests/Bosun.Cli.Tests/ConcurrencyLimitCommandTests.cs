using Bosun.Contracts.ConcurrencyLimits;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Cli.Tests;

/// <summary>`bosun concurrency-limit create|ls|inspect|delete` against a real server.</summary>
public sealed class ConcurrencyLimitCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly CliRunner _cli = fixture.NewCli();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task CreateLsInspectDelete_TagWithAHolder_LimitAndHolderShownThenGone()
    {
        var tag = ServerFixture.Unique("db");
        var created = (await _cli.RunAsync("concurrency-limit", "create", tag, "2")).Succeeded();
        var pool = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(pool);
        var run = await fixture.Client.RunAsync(await fixture.Client.DeploymentAsync(pool, flow: ServerFixture.Unique("flow")));
        await fixture.Client.ClaimAsync(pool);
        await fixture.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        var holder = Guid.NewGuid();
        Assert.True((await fixture.Client.AcquireConcurrencySlotsAsync(run.Id, new ConcurrencySlotRequest(holder, [tag]))).Acquired);

        var ls = (await _cli.RunAsync("concurrency-limit", "ls")).Succeeded();
        var json = (await _cli.RunAsync("concurrency-limit", "ls", "--output", "json")).Json();
        var inspect = (await _cli.RunAsync("concurrency-limit", "inspect", tag)).Succeeded();
        (await _cli.RunAsync("concurrency-limit", "delete", tag)).Succeeded();

        Assert.Contains($"Concurrency limit for tag '{tag}': 2", created.Out, StringComparison.Ordinal);
        Assert.Contains(tag, ls.Out, StringComparison.Ordinal);
        var listed = json.EnumerateArray().Single(limit => limit.GetProperty("tag").GetString() == tag);
        Assert.Equal((2, 1), (listed.GetProperty("limit").GetInt32(), listed.GetProperty("active_slots").GetInt32()));
        Assert.Contains(holder.ToString(), inspect.Out, StringComparison.Ordinal);
        (await _cli.RunAsync("concurrency-limit", "inspect", tag)).FailedWith("no concurrency limit");
    }
}
