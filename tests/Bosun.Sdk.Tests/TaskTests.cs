using System.Text.Json;
using Bosun.Client;
using Bosun.Contracts.TaskRuns;
using Bosun.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Sdk.Tests;

/// <summary>Tasks inside a flow run, in this process against a real server: retries on a fake clock, timeout, cache, concurrency, outages.</summary>
public sealed class TaskTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    // Each test has its own task methods and state: tasks are static methods, as flows are.
    private static FakeTimeProvider? _flakyClock;
    private static readonly List<DateTimeOffset> FlakyAttempts = [];
    private static readonly TaskCompletionSource StubbornTokenFired = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private static int _meetArrived;
    private static readonly TaskCompletionSource BothMet = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private static int _expiringCalls;
    private static int _plainCalls;

    [Task("flaky", Retries = 3, RetryDelaySeconds = [1, 5, 30])]
    private static Task<int> Flaky(int value)
    {
        lock (FlakyAttempts)
        {
            FlakyAttempts.Add(_flakyClock!.GetUtcNow());
            return FlakyAttempts.Count < 3 ? throw new InvalidOperationException($"flaky attempt {FlakyAttempts.Count}") : Task.FromResult(value * 2);
        }
    }

    [Task("stubborn", TimeoutSeconds = 20)]
    private static async Task<int> Stubborn(CancellationToken cancellationToken)
    {
        cancellationToken.Register(() => StubbornTokenFired.TrySetResult());
        // Ignores its token: the attempt must be abandoned, not awaited.
        await new TaskCompletionSource().Task;
        return 1;
    }

    [Task("meet")]
    private static async Task<int> Meet(int i)
    {
        if (Interlocked.Increment(ref _meetArrived) == 2)
        {
            BothMet.SetResult();
        }

        await BothMet.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return i;
    }

    [Task("expiring", CacheExpirationSeconds = 3600)]
    private static Task<Repo> Expiring(string name)
    {
        Interlocked.Increment(ref _expiringCalls);
        return Task.FromResult(new Repo(name, name.Length, ["a", "b"]));
    }

    [Task("plain", Retries = 3)]
    private static int Plain(int value)
    {
        Interlocked.Increment(ref _plainCalls);
        return value < 0 ? throw new ArgumentOutOfRangeException(nameof(value)) : value + 1;
    }

    [Task("record")]
    private static Task<Repo?> Record(string? name) => Task.FromResult(name is null ? null : new Repo(name, 3, ["x"]));

    [Fact]
    public async Task RunAsync_FailsTwice_RetriedAfterEachListedDelayOnTheClock()
    {
        _flakyClock = new FakeTimeProvider(T0);
        await using var server = await TestServer.StartAsync();
        await using var scenario = await TaskScenario.StartAsync(server.Client, _flakyClock);
        using var entered = scenario.Enter();

        var call = Tasks.RunAsync(() => Flaky(21));
        await Eventually.WaitUntilAsync(() =>
        {
            _flakyClock.Advance(TimeSpan.FromMilliseconds(250));
            return Task.FromResult(call.IsCompleted);
        }, "the flaky task completed on its third attempt");

        Assert.Equal(42, await call);
        Assert.Equal(3, FlakyAttempts.Count);
        var (first, second) = (FlakyAttempts[1] - FlakyAttempts[0], FlakyAttempts[2] - FlakyAttempts[1]);
        Assert.InRange(first, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.25));
        Assert.InRange(second, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5.25));
        var taskRun = Assert.Single(await scenario.RecordedAsync());
        Assert.Equal(("flaky", TaskRunStateType.Completed, 3), (taskRun.TaskName, taskRun.State, taskRun.Attempts));
        Assert.Equal(42, (await server.Client.GetTaskRunResultAsync(taskRun.Id)).Value!.GetValue<int>());
    }

    [Fact]
    public async Task RunAsync_BodyIgnoresItsToken_TokenFiresAttemptAbandonedTimedOut()
    {
        var clock = new FakeTimeProvider(T0);
        await using var server = await TestServer.StartAsync();
        await using var scenario = await TaskScenario.StartAsync(server.Client, clock);
        using var entered = scenario.Enter();

        var call = Tasks.RunAsync(() => Stubborn(CancellationToken.None));
        await Eventually.WaitUntilAsync(() =>
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            return Task.FromResult(call.IsCompleted);
        }, "the stubborn task timed out");

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => call);
        Assert.Contains("20 s", timeout.Message, StringComparison.Ordinal);
        Assert.True(StubbornTokenFired.Task.IsCompleted, "the task's token did not fire at the timeout");
        var taskRun = Assert.Single(await scenario.RecordedAsync());
        Assert.Equal((TaskRunStateType.TimedOut, 1), (taskRun.State, taskRun.Attempts));
        Assert.Contains("did not finish within 20 s", taskRun.Message, StringComparison.Ordinal);
        Assert.NotNull(taskRun.EndTime);
    }

    [Fact]
    public async Task RunAsync_TwoTasksAwaitedTogether_RunConcurrently()
    {
        await using var server = await TestServer.StartAsync();
        await using var scenario = await TaskScenario.StartAsync(server.Client, TimeProvider.System);
        using var entered = scenario.Enter();

        // Each waits for the other to have started: only concurrent runs finish.
        var results = await Task.WhenAll(Tasks.RunAsync(() => Meet(1)), Tasks.RunAsync(() => Meet(2)));

        Assert.Equal([1, 2], results);
        var taskRuns = await scenario.RecordedAsync();
        Assert.Equal(2, taskRuns.Count);
        Assert.All(taskRuns, t => Assert.Equal(TaskRunStateType.Completed, t.State));
    }

    [Fact]
    public async Task RunAsync_CachedTask_HitInLaterRunUntilExpiryThenRunsAgain()
    {
        var clock = new FakeTimeProvider(T0);
        await using var server = await TestServer.StartAsync(clock);
        var states = new List<TaskRunStateType>();
        var results = new List<Repo>();
        foreach (var advance in new[] { 0, 3599, 2 })
        {
            clock.Advance(TimeSpan.FromSeconds(advance));
            // A new flow run each time: the cache entry comes from the server, not from this run's memory.
            await using var scenario = await TaskScenario.StartAsync(server.Client, clock);
            using var entered = scenario.Enter();
            results.Add(await Tasks.RunAsync(() => Expiring("bosun")));
            states.Add(Assert.Single(await scenario.RecordedAsync()).State);
        }

        Assert.Equal([TaskRunStateType.Completed, TaskRunStateType.Cached, TaskRunStateType.Completed], states);
        Assert.Equal(2, _expiringCalls);
        Assert.All(results, r => Assert.Equal(new Repo("bosun", 5, ["a", "b"]), r, RepoComparer.Instance));
    }

    [Fact]
    public async Task RunAsync_RecordAndNullResults_RoundTripThroughTheServer()
    {
        await using var server = await TestServer.StartAsync();
        await using var scenario = await TaskScenario.StartAsync(server.Client, TimeProvider.System);
        using var entered = scenario.Enter();

        var record = await Tasks.RunAsync(() => Record("abc"));
        var none = await Tasks.RunAsync(() => Record(null));

        Assert.Equal("abc", record!.Name);
        Assert.Null(none);
        var taskRuns = await scenario.RecordedAsync();
        var stored = await Task.WhenAll(taskRuns.Select(t => server.Client.GetTaskRunResultAsync(t.Id)));
        Assert.Contains(stored, r => r.Value is null);
        var back = stored.Single(r => r.Value is not null).Value!.Deserialize<Repo>(ParameterSchema.JsonOptions)!;
        Assert.Equal(new Repo("abc", 3, ["x"]), back, RepoComparer.Instance);
    }

    [Fact]
    public async Task RunAsync_OutsideAFlowRun_PlainCallWithoutRetries()
    {
        var before = _plainCalls;

        var value = await Tasks.RunAsync(() => Plain(1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Tasks.RunAsync(() => Plain(-1)));

        Assert.Equal(2, value);
        Assert.Equal(before + 2, _plainCalls);
    }

    [Fact]
    public async Task RunAsync_ServerAwayWhileTasksRun_TasksFinishAndAreRecordedWhenItIsBack()
    {
        await using var server = await TestServer.StartAsync();
        using var patient = new BosunClient(new BosunClientOptions { ApiUrl = server.ApiUrl, OutageRetryWindow = TimeSpan.FromMinutes(2) });
        await using var scenario = await TaskScenario.StartAsync(patient, TimeProvider.System);
        using var entered = scenario.Enter();
        await server.StopAsync();

        // The flow is not held up by the server being away: its tasks run and return.
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Tasks.RunAsync(() => Plain(i))));
        await server.RestartAsync();

        Assert.Equal(Enumerable.Range(1, 20), results);
        var taskRuns = await Eventually.ValueAsync(() => scenario.RecordedAsync(), runs => runs.Count == 20, "the 20 task runs are recorded");
        Assert.All(taskRuns, t => Assert.Equal(TaskRunStateType.Completed, t.State));
    }

    [Fact]
    public void RetryDelay_ExponentialWithJitter_DoublesAndStaysWithinTheJitter()
    {
        var task = TaskDefinition.For(typeof(TaskTests).GetMethod(nameof(Backoff), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!);
        var random = new Random(7);

        var delays = Enumerable.Range(1, 4).Select(retry => task.RetryDelay(retry, random).TotalSeconds).ToList();

        for (var retry = 1; retry <= 4; retry++)
        {
            var baseDelay = 2 * Math.Pow(2, retry - 1);
            Assert.InRange(delays[retry - 1], baseDelay, baseDelay * 1.5);
        }

        Assert.True(delays.Select((d, i) => d / (2 * Math.Pow(2, i))).Distinct().Count() > 1, "the jitter stretched every delay by the same share");
    }

    [Task("backoff", Retries = 4, ExponentialBackoffSeconds = 2, RetryJitterFactor = 0.5)]
    private static int Backoff() => 0;
}
