using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Cli.Tests;

/// <summary>`bosun work-queue ...` against a real server.</summary>
public sealed class WorkQueueCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly CliRunner _cli = fixture.NewCli();

    public void Dispose() => _cli.Dispose();

    private async Task<string> PoolAsync()
    {
        var name = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(name);
        return name;
    }

    [Fact]
    public async Task Create_WithPriorityAndLimit_CreatedWithHint()
    {
        var pool = await PoolAsync();

        var result = (await _cli.RunAsync("work-queue", "create", "critical", "--pool", pool, "--priority", "1", "--limit", "2", "--description", "urgent")).Succeeded();

        Assert.Contains($"Created work queue 'critical' in work pool '{pool}' (priority 1)", result.Out, StringComparison.Ordinal);
        Assert.Contains($"bosun worker start --pool {pool} --work-queue critical", result.Out, StringComparison.Ordinal);
        var queue = await fixture.Client.GetWorkQueueAsync(pool, "critical");
        Assert.Equal((1, (int?)2, "urgent"), (queue.Priority, queue.ConcurrencyLimit, queue.Description));
        Assert.Equal(2, (await fixture.Client.GetWorkQueueAsync(pool, "default")).Priority);
    }

    [Fact]
    public async Task Create_UnknownPool_FailsWithApiDetail()
    {
        (await _cli.RunAsync("work-queue", "create", "q", "--pool", "no-such-pool")).FailedWith("Work pool 'no-such-pool' does not exist");
    }

    [Fact]
    public async Task Create_WithoutPool_ParseErrorNamesOption()
    {
        (await _cli.RunAsync("work-queue", "create", "q")).FailedWith("--pool");
    }

    [Fact]
    public async Task Create_NameExists_Fails()
    {
        var pool = await PoolAsync();

        (await _cli.RunAsync("work-queue", "create", "default", "--pool", pool)).FailedWith("already has a queue named 'default'");
    }

    [Fact]
    public async Task Ls_PoolJson_QueuesInPriorityOrder()
    {
        var pool = await PoolAsync();
        await fixture.Client.CreateWorkQueueAsync(pool, new WorkQueueCreate("low", Priority: 5));
        await fixture.Client.CreateWorkQueueAsync(pool, new WorkQueueCreate("high", Priority: 1));

        var json = (await _cli.RunAsync("work-queue", "ls", "--pool", pool, "--output", "json")).Json();

        Assert.Equal(["high", "default", "low"], json.EnumerateArray().Select(queue => queue.GetProperty("name").GetString()));
        Assert.All(json.EnumerateArray(), queue => Assert.Equal(pool, queue.GetProperty("work_pool_name").GetString()));
    }

    [Fact]
    public async Task Ls_WithoutPool_ListsEveryPoolsQueues()
    {
        var first = await PoolAsync();
        var second = await PoolAsync();

        var result = (await _cli.RunAsync("work-queue", "ls")).Succeeded();

        Assert.Contains(first, result.Out, StringComparison.Ordinal);
        Assert.Contains(second, result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ls_UnknownPool_Fails()
    {
        (await _cli.RunAsync("work-queue", "ls", "--pool", "no-such-pool")).FailedWith("does not exist");
    }

    [Fact]
    public async Task Inspect_Json_IsTheQueue()
    {
        var pool = await PoolAsync();

        var json = (await _cli.RunAsync("work-queue", "inspect", "default", "--pool", pool, "--output", "json")).Json();

        Assert.Equal(("default", pool, 1), (json.GetProperty("name").GetString(), json.GetProperty("work_pool_name").GetString(), json.GetProperty("priority").GetInt32()));
        Assert.Equal("NOT_READY", json.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Inspect_UnknownQueue_FailsWithListHint()
    {
        var pool = await PoolAsync();

        (await _cli.RunAsync("work-queue", "inspect", "nope", "--pool", pool)).FailedWith("has no queue named 'nope'", $"bosun work-queue ls --pool {pool}");
    }

    [Fact]
    public async Task PauseThenResume_ChangesPausedFlag()
    {
        var pool = await PoolAsync();

        (await _cli.RunAsync("work-queue", "pause", "default", "--pool", pool)).Succeeded();
        Assert.Equal(ReadinessStatus.Paused, (await fixture.Client.GetWorkQueueAsync(pool, "default")).Status);
        (await _cli.RunAsync("work-queue", "resume", "default", "--pool", pool)).Succeeded();
        Assert.False((await fixture.Client.GetWorkQueueAsync(pool, "default")).Paused);
    }

    [Fact]
    public async Task Update_PriorityDescriptionLimit_Changed()
    {
        var pool = await PoolAsync();
        await fixture.Client.CreateWorkQueueAsync(pool, new WorkQueueCreate("batch"));

        (await _cli.RunAsync("work-queue", "update", "batch", "--pool", pool, "--priority", "1", "--description", "nightly", "--limit", "4")).Succeeded();

        var queue = await fixture.Client.GetWorkQueueAsync(pool, "batch");
        Assert.Equal((1, "nightly", (int?)4), (queue.Priority, queue.Description, queue.ConcurrencyLimit));
    }

    [Fact]
    public async Task Update_NothingGiven_Fails()
    {
        (await _cli.RunAsync("work-queue", "update", "default", "--pool", "any")).FailedWith("Nothing to update");
    }

    [Fact]
    public async Task Delete_Queue_Deleted()
    {
        var pool = await PoolAsync();
        await fixture.Client.CreateWorkQueueAsync(pool, new WorkQueueCreate("batch"));

        (await _cli.RunAsync("work-queue", "delete", "batch", "--pool", pool)).Succeeded();

        Assert.Equal(["default"], (await fixture.Client.ListWorkQueuesAsync(pool)).Select(queue => queue.Name));
    }

    [Fact]
    public async Task Delete_DefaultQueue_FailsWithReason()
    {
        var pool = await PoolAsync();

        (await _cli.RunAsync("work-queue", "delete", "default", "--pool", pool)).FailedWith("cannot be deleted");
    }

    [Fact]
    public async Task SetThenClearConcurrencyLimit_Changed()
    {
        var pool = await PoolAsync();

        (await _cli.RunAsync("work-queue", "set-concurrency-limit", "default", "3", "--pool", pool)).Succeeded();
        Assert.Equal(3, (await fixture.Client.GetWorkQueueAsync(pool, "default")).ConcurrencyLimit);
        (await _cli.RunAsync("work-queue", "clear-concurrency-limit", "default", "--pool", pool)).Succeeded();
        Assert.Null((await fixture.Client.GetWorkQueueAsync(pool, "default")).ConcurrencyLimit);
    }

    [Fact]
    public async Task Preview_RunsOnTwoQueues_OnlyThisQueuesRuns()
    {
        var pool = await PoolAsync();
        await fixture.Client.CreateWorkQueueAsync(pool, new WorkQueueCreate("batch"));
        var deployment = await fixture.Client.DeploymentAsync(pool, flow: ServerFixture.Unique("flow"));
        var onBatch = await fixture.Client.RunAsync(deployment, TimeProvider.System.GetUtcNow().AddMinutes(10), queue: "batch");
        await fixture.Client.RunAsync(deployment, TimeProvider.System.GetUtcNow().AddMinutes(10));

        var json = (await _cli.RunAsync("work-queue", "preview", "batch", "--pool", pool, "--output", "json")).Json();

        Assert.Equal(onBatch.Id, Assert.Single(json.EnumerateArray()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Preview_UnknownQueue_Fails()
    {
        var pool = await PoolAsync();

        (await _cli.RunAsync("work-queue", "preview", "nope", "--pool", pool)).FailedWith("no queue named 'nope'");
    }
}
