using Bosun.Contracts.ConcurrencyLimits;
using Bosun.Contracts.TaskRuns;
using Bosun.Testing;
using Microsoft.Extensions.Logging;

namespace Bosun.Sdk.Tests;

/// <summary>
/// How many tasks run at once: a tag concurrency limit shared by every flow run (slots granted by the server), and a
/// flow's own task concurrency; in this process against a real server (SQLite, or PostgreSQL with BOSUN_TEST_STORE).
/// </summary>
public sealed class TaskConcurrencyTests
{
    private static int _dbRunning;
    private static int _dbMax;
    private static int _dbEntered;
    private static readonly TaskCompletionSource TwoEntered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private static int _ownRunning;
    private static int _ownMax;

    [Task("query", Tags = ["db"])]
    private static async Task<int> Query(int i)
    {
        var running = Interlocked.Increment(ref _dbRunning);
        InterlockedMax(ref _dbMax, running);
        if (Interlocked.Increment(ref _dbEntered) == 2)
        {
            TwoEntered.SetResult();
        }

        // The first task holds its slot until a second one runs beside it: the limit is reached, and had it let more
        // through, they would be running too.
        await TwoEntered.Task.WaitAsync(TimeSpan.FromSeconds(120));
        await Task.Yield();
        Interlocked.Decrement(ref _dbRunning);
        return i;
    }

    [Task("own")]
    private static async Task<int> Own(int i)
    {
        InterlockedMax(ref _ownMax, Interlocked.Increment(ref _ownRunning));
        await Task.Yield();
        Interlocked.Decrement(ref _ownRunning);
        return i;
    }

    [Fact]
    public async Task RunAsync_TaggedTasksOfTwoFlowRunsAtOnce_NeverMoreThanTheTagLimitRunning()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.CreateConcurrencyLimitAsync(new ConcurrencyLimitCreate("db", 2));
        await using var first = await TaskScenario.StartAsync(server.Client, TimeProvider.System);
        await using var second = await TaskScenario.StartAsync(server.Client, TimeProvider.System);

        var calls = new List<Task<int>>();
        foreach (var scenario in new[] { first, second })
        {
            using var entered = scenario.Enter();
            calls.AddRange(Enumerable.Range(0, 8).Select(i => Tasks.RunAsync(() => Query(i))));
        }

        var results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(16, results.Length);
        Assert.Equal(2, _dbMax);
        var recorded = (await first.RecordedAsync()).Concat(await second.RecordedAsync()).ToList();
        Assert.Equal(16, recorded.Count(run => run.State == TaskRunStateType.Completed));
        var limit = await server.Client.GetConcurrencyLimitAsync("db");
        Assert.Equal(0, limit.ActiveSlots);
    }

    [Fact]
    public async Task RunAsync_FlowTaskConcurrencyOne_TasksAwaitedTogetherRunOneAtATime()
    {
        await using var server = await TestServer.StartAsync();
        await using var scenario = await TaskScenario.StartAsync(server.Client, TimeProvider.System, taskConcurrency: 1);
        using var entered = scenario.Enter();

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => Tasks.RunAsync(() => Own(i)))).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal([0, 1, 2, 3, 4], results);
        Assert.Equal(1, _ownMax);
        Assert.Equal(5, (await scenario.RecordedAsync()).Count(run => run.State == TaskRunStateType.Completed));
    }

    [Task("chatty")]
    private static int Chatty(int i)
    {
        var logger = FlowContext.Current.Logger;
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("chatty {Index} inside its task", i);
        }

        return i;
    }

    [Fact]
    public async Task RunAsync_TaskBodyLogs_LinesCarryTheirTaskRunAndTheFlowsOwnDoNot()
    {
        await using var server = await TestServer.StartAsync();
        await using var scenario = await TaskScenario.StartAsync(server.Client, TimeProvider.System);
        using var entered = scenario.Enter();

        FlowContext.Current.Logger.LogInformation("the flow itself");
        await Task.WhenAll(Tasks.RunAsync(() => Chatty(1)), Tasks.RunAsync(() => Chatty(2)));
        var taskRuns = await scenario.RecordedAsync();

        var lines = (await server.Client.ReadLogsAsync(scenario.Run.Id)).Items;
        Assert.Null(Assert.Single(lines, line => line.Message == "the flow itself").TaskRunId);
        foreach (var taskRun in taskRuns)
        {
            var own = Assert.Single((await server.Client.ReadTaskLogsAsync(scenario.Run.Id, taskRun.Id, null)).Items);
            Assert.Matches("^chatty [12] inside its task$", own.Message);
            Assert.Equal(taskRun.Id, own.TaskRunId);
        }

        Assert.Equal(2, (await server.Client.ReadTaskLogsAsync(scenario.Run.Id, null, "chatty")).Items.Count);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
