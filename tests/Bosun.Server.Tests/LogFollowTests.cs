using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Server.Orchestration;
using Bosun.Server.Orchestration.Logs;
using Bosun.Testing;
using Bosun.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Tests;

/// <summary>
/// Following a run's log: a follower is woken by its own run only, followers of one run share one reader, and a follow
/// ends only once the run is over and its last lines are in (docs/logs.md), so a follower that stops has every line.
/// </summary>
public sealed class LogFollowTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task WriteLogs_OtherRunsLinesAndStates_DoNotWakeAWatcherOfThisRun()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var watched = await client.RunAsync(deployment);
        var other = await client.RunAsync(deployment);
        // With PostgreSQL, a replica wakes every watcher once when it starts listening (for what it may have missed).
        await server.HostedService<ReplicaNotifications>().Ready.WaitAsync(Deadline);
        using var watch = server.Server.Services.GetRequiredService<RunSignals>().Watch(watched.Id);

        await client.WriteLogsAsync([Line(other.Id, "someone else's line")]);
        await client.CancelFlowRunAsync(other.Id);
        Assert.False(watch.NextAsync().IsCompleted, "a line or a state change of another run woke this run's watcher");

        await client.WriteLogsAsync([Line(watched.Id, "mine")]);
        Assert.True(watch.NextAsync().IsCompleted);
        Assert.Equal(RunChange.Lines, watch.Take());
        Assert.False(watch.NextAsync().IsCompleted);

        await client.CancelFlowRunAsync(watched.Id);
        Assert.Equal(RunChange.State, watch.Take());
    }

    [Fact]
    public async Task FollowLogs_LineWrittenAfterTheRunEnded_FollowerGetsItThenEndsOnItsOwn()
    {
        await using var server = await TestServer.StartAsync();
        var run = await RunningRunAsync(server.Client);
        await server.Client.WriteLogsAsync([Line(run.Id, "while running")]);
        using var follower = server.NewClient();
        var following = FollowAsync(follower, run.Id);
        await following.FirstLine.WaitAsync(Deadline);

        await server.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Completed));
        // What a worker writes once the infrastructure has exited: after the final state.
        await server.Client.WriteLogsAsync([Line(run.Id, "Infrastructure exited with code 0; the run is COMPLETED.", LogSource.Worker)]);

        Assert.Equal(["while running", "Infrastructure exited with code 0; the run is COMPLETED."], await following.Lines.WaitAsync(Deadline));
    }

    [Fact]
    public async Task FollowLogs_RunFinishedLongAgo_EndsAfterTheLastLineAtOnce()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var server = await TestServer.StartAsync(clock);
        var run = await RunningRunAsync(server.Client);
        await server.Client.WriteLogsAsync([Line(run.Id, "one"), Line(run.Id, "two")]);
        await server.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Completed));
        clock.Advance(RunLogFeed.QuietPeriod + TimeSpan.FromSeconds(1));

        // No wait for lines that cannot come: the quiet period has passed, by the server's clock.
        Assert.Equal(["one", "two"], await FollowAsync(server.NewClient(), run.Id).Lines.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task FollowLogs_TenFollowersOfOneRun_OneReaderAndEveryLineToEach()
    {
        await using var server = await TestServer.StartAsync();
        var run = await RunningRunAsync(server.Client);
        var feeds = server.Server.Services.GetRequiredService<RunLogFeeds>();
        var clients = Enumerable.Range(0, 10).Select(_ => server.NewClient()).ToList();
        var followers = clients.Select(client => FollowAsync(client, run.Id)).ToList();
        await server.Client.WriteLogsAsync([Line(run.Id, "first")]);
        await Task.WhenAll(followers.Select(follower => follower.FirstLine)).WaitAsync(Deadline);
        Assert.Equal(1, feeds.Count);

        var expected = new List<string> { "first" };
        for (var batch = 0; batch < 5; batch++)
        {
            var lines = Enumerable.Range(0, 200).Select(i => $"batch {batch} line {i}").ToList();
            await server.Client.WriteLogsAsync(lines.Select(line => Line(run.Id, line)).ToList());
            expected.AddRange(lines);
        }

        await server.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Completed));
        foreach (var follower in followers)
        {
            Assert.Equal(expected, await follower.Lines.WaitAsync(Deadline));
        }

        await Eventually.WaitUntilAsync(() => Task.FromResult(feeds.Count == 0), "the run's feed stopped with its last follower");
        clients.ForEach(client => client.Dispose());
    }

    [Fact]
    public async Task FollowLogs_EightWritersOfOneRunAtOnce_FollowerMissesNoLine()
    {
        // On PostgreSQL, batches of one run committed out of id order would let a follower step over a line for good.
        await using var server = await TestServer.StartAsync();
        var run = await RunningRunAsync(server.Client);
        var following = FollowAsync(server.NewClient(), run.Id);
        var writers = Enumerable.Range(0, 8).Select(_ => server.NewClient()).ToList();

        await Task.WhenAll(writers.Select(async (writer, w) =>
        {
            for (var batch = 0; batch < 40; batch++)
            {
                await writer.WriteLogsAsync(Enumerable.Range(0, 10).Select(i => Line(run.Id, $"writer {w} batch {batch} line {i}")).ToList());
            }
        }));
        await server.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Completed));

        var followed = await following.Lines.WaitAsync(Deadline);
        Assert.Equal(await ReadAllAsync(server.Client, run.Id), followed);
        Assert.Equal(8 * 40 * 10, followed.Count);
        writers.ForEach(writer => writer.Dispose());
    }

    [Fact]
    public async Task FollowLogs_ThreeThousandLineFlowOnAWorker_FollowerThatStopsHasEveryLineTheWorkerLast()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var flow = FakeFlow.Shell($"""{FakeFlow.Propose("RUNNING")}; i=1; while [ $i -le 3000 ]; do echo "flow line $i"; i=$((i+1)); done; {FakeFlow.Propose("COMPLETED")}""");
        var deployment = await client.UpsertDeploymentAsync(new Contracts.Deployments.DeploymentUpsert("shell", "lines", flow, WorkPoolName: "proc"));
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var following = FollowAsync(server.NewClient(), run.Id);

        var worker = await TestWorker.StartAsync(server, new WorkerOptions
        {
            PoolName = "proc",
            Type = "process",
            Name = "log-worker",
            HeartbeatInterval = TimeSpan.FromSeconds(5),
            ClaimWait = TimeSpan.FromSeconds(5),
            DrainGracePeriod = TimeSpan.FromSeconds(30),
        });
        IReadOnlyList<string> followed;
        try
        {
            followed = await following.Lines.WaitAsync(TimeSpan.FromMinutes(3));
        }
        finally
        {
            // Stopping drains: whatever the worker still held is written now, so the store has every line it ever will.
            await worker.DisposeAsync();
        }

        Assert.Equal(StateType.Completed, (await client.GetFlowRunAsync(run.Id)).State.Type);
        var stored = await ReadAllAsync(client, run.Id);
        Assert.Equal(stored, followed);
        Assert.Equal(Enumerable.Range(1, 3000).Select(i => $"flow line {i}"), followed.Where(line => line.StartsWith("flow line ", StringComparison.Ordinal)));
        Assert.StartsWith("Infrastructure exited with code 0", followed[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task FollowLogs_FollowersKeepUp_TheFeedHoldsOnlyTheNewestLines()
    {
        await using var server = await TestServer.StartAsync();
        var run = await RunningRunAsync(server.Client);
        var feeds = server.Server.Services.GetRequiredService<RunLogFeeds>();
        await using var follower = new InProcessFollower(server, run.Id, after: 0);
        var largest = 0L;
        for (var batch = 0; batch < 10; batch++)
        {
            await server.Client.WriteLogsAsync(Enumerable.Range(0, 100).Select(i => Line(run.Id, $"batch {batch} line {i}")).ToList());
            largest = Math.Max(largest, await follower.ReadUntilAsync(100 * (batch + 1)));
        }

        // What every follower has sent is dropped: a long run followed live costs the server its newest batch, not its log.
        Assert.InRange(feeds.HeldBytes(run.Id)!.Value, 1, largest);
        Assert.Equal(Enumerable.Range(0, 10).SelectMany(b => Enumerable.Range(0, 100).Select(i => $"batch {b} line {i}")), follower.Lines);
    }

    [Fact]
    public async Task FollowLogs_AFollowerFarBehind_TheFeedStopsAtItsCapAndTheFollowerReadsOnFromTheStore()
    {
        await using var server = await TestServer.StartAsync();
        var run = await RunningRunAsync(server.Client);
        var feeds = server.Server.Services.GetRequiredService<RunLogFeeds>();
        feeds.MaxHeldBytes = 60_000; // about 250 lines
        await server.Client.WriteLogsAsync(Enumerable.Range(0, 100).Select(i => Line(run.Id, $"early {i}")).ToList());
        await using var slow = new InProcessFollower(server, run.Id, after: 0);
        await slow.ReadUntilAsync(100);
        await using var fast = new InProcessFollower(server, run.Id, after: 0);
        await fast.ReadUntilAsync(100);

        // The slow follower reads nothing while 2,000 lines come: the feed keeps them for it only up to its cap.
        for (var batch = 0; batch < 20; batch++)
        {
            await server.Client.WriteLogsAsync(Enumerable.Range(0, 100).Select(i => Line(run.Id, $"batch {batch} line {i}")).ToList());
            await fast.ReadUntilAsync(100 * (batch + 2));
        }

        Assert.InRange(feeds.HeldBytes(run.Id)!.Value, 1, feeds.MaxHeldBytes);
        // The lines it would have sent next are no longer held: it reads them from the store, then from the feed again.
        await server.Client.WriteLogsAsync([Line(run.Id, "last")]);
        await slow.ReadUntilAsync(2101);
        await fast.ReadUntilAsync(2101);
        Assert.Equal(fast.Lines, slow.Lines);
        Assert.Equal(await ReadAllAsync(server.Client, run.Id), slow.Lines);
    }

    [Fact]
    public async Task FollowLogs_LinesWrittenThroughThisServer_ReachTheFollowerFromMemoryExactlyAsTheStoreHoldsThem()
    {
        // The server's clock stands still, so the feed's reader, once woken, waits out its gap between reads for ever:
        // every line after the first can only reach the follower by the write's hand-off (and one that went missing or
        // came out of order would show here).
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var server = await TestServer.StartAsync(clock);
        var run = await RunningRunAsync(server.Client);
        await server.Client.WriteLogsAsync([Line(run.Id, "first")]);
        await using var follower = new InProcessFollower(server, run.Id, after: 0);
        await follower.ReadUntilAsync(1);

        // Four writers at once: on SQLite their writes share commits, and their hand-offs arrive in any order.
        var writers = Enumerable.Range(0, 4).Select(_ => server.NewClient()).ToList();
        await Task.WhenAll(writers.Select(async (writer, w) =>
        {
            for (var batch = 0; batch < 25; batch++)
            {
                await writer.WriteLogsAsync(Enumerable.Range(0, 20).Select(i =>
                    new LogCreate(run.Id, TimeProvider.System.GetUtcNow().AddTicks(1234), (RunLogLevel)(i % 4), $"writer {w} batch {batch} line {i}", LogSource.Worker)
                    {
                        TraceId = "4bf92f3577b34da6a3ce929d0e0e4736", SpanId = i % 2 == 0 ? "00f067aa0ba902b7" : null,
                    }).ToList());
            }
        }));

        await follower.ReadUntilAsync(1 + (4 * 25 * 20));
        var stored = new List<LogEntry>();
        for (var page = await server.Client.ReadLogsAsync(run.Id, 0, 500); page.Items.Count > 0; page = await server.Client.ReadLogsAsync(run.Id, stored[^1].Id, 500))
        {
            stored.AddRange(page.Items);
        }

        Assert.Equal(stored, follower.Entries);
        writers.ForEach(writer => writer.Dispose());
    }

    [Fact]
    public async Task FollowLogs_LinesWithBreaksQuotesAndNonAscii_EachIsOneEventThatReadsBackTheSame()
    {
        await using var server = await TestServer.StartAsync();
        var run = await RunningRunAsync(server.Client);
        string[] messages = ["two\nlines\r\nand a \"quote\"", "tab\there, ünïcödé, 日本語, emoji 🚢", "<script>&amp;</script> \\ back"];
        var following = FollowAsync(server.NewClient(), run.Id);
        await server.Client.WriteLogsAsync(messages.Select(message => Line(run.Id, message)).ToList());
        await server.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Completed));

        Assert.Equal(messages, await following.Lines.WaitAsync(Deadline));
    }

    [Fact]
    public async Task ReadLogs_PageAfterACursor_NotCountedPageByPageInOrder()
    {
        await using var server = await TestServer.StartAsync();
        var run = await RunningRunAsync(server.Client);
        await server.Client.WriteLogsAsync(Enumerable.Range(0, 30).Select(i => Line(run.Id, $"line {i}")).ToList());

        var first = await server.Client.ReadLogsAsync(run.Id, limit: 10);
        var second = await server.Client.ReadLogsAsync(run.Id, after: first.Items[^1].Id, limit: 10);

        Assert.Equal(30, first.Total);
        Assert.Equal(-1, second.Total);
        Assert.Equal(Enumerable.Range(10, 10).Select(i => $"line {i}"), second.Items.Select(line => line.Message));
    }

    [Fact]
    public async Task FollowLogs_ServerRestartsWhileFollowed_TheClientFollowsOnFromItsLastLineAndGetsEveryLineOnce()
    {
        await using var server = await TestServer.StartAsync();
        var run = await RunningRunAsync(server.Client);
        using var follower = new BosunClient(new BosunClientOptions
        {
            ApiUrl = server.ApiUrl, OutageRetryWindow = TimeSpan.FromMinutes(5), RetryDelay = TimeSpan.FromMilliseconds(100), MaxRetryDelay = TimeSpan.FromSeconds(1),
        });
        var following = FollowAsync(follower, run.Id);
        var before = Enumerable.Range(0, 50).Select(i => $"before {i}").ToList();
        await server.Client.WriteLogsAsync(before.Select(line => Line(run.Id, line)).ToList());
        await Eventually.WaitUntilAsync(() => Task.FromResult(following.Received.Count == before.Count), "the follower had the lines written before the restart", Deadline);

        await server.StopAsync();
        Assert.False(following.Lines.IsCompleted, "the follow ended with the server, before the run's log did");
        await server.RestartAsync();
        var after = Enumerable.Range(0, 50).Select(i => $"after {i}").ToList();
        await server.Client.WriteLogsAsync(after.Select(line => Line(run.Id, line)).ToList());
        await server.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Completed));

        Assert.Equal([.. before, .. after], await following.Lines.WaitAsync(Deadline));
    }

    private static LogCreate Line(Guid runId, string message, LogSource source = LogSource.Flow) =>
        new(runId, TimeProvider.System.GetUtcNow(), RunLogLevel.Info, message, source);

    private static async Task<FlowRun> RunningRunAsync(BosunClient client)
    {
        await client.PoolAsync("p");
        var run = await client.RunAsync(await client.DeploymentAsync("p"));
        await client.ClaimAsync("p");
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        return run;
    }

    private static async Task<List<string>> ReadAllAsync(BosunClient client, Guid runId)
    {
        var lines = new List<string>();
        long after = 0;
        while (true)
        {
            var page = await client.ReadLogsAsync(runId, after, 500);
            lines.AddRange(page.Items.Select(line => line.Message));
            if (page.Items.Count < 500)
            {
                return lines;
            }

            after = page.Items[^1].Id;
        }
    }

    /// <summary>Follows the run from its first line until the server ends the follow.</summary>
    private static Following FollowAsync(BosunClient client, Guid runId)
    {
        var firstLine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var lines = Task.Run(async () =>
        {
            await foreach (var line in client.FollowLogsAsync(runId))
            {
                received.Enqueue(line.Message);
                firstLine.TrySetResult();
            }

            return (IReadOnlyList<string>)[.. received];
        });
        return new Following(firstLine.Task, lines, received);
    }

    /// <param name="FirstLine">Completes with the first line received.</param>
    /// <param name="Lines">Every line, once the follow has ended.</param>
    /// <param name="Received">The lines received so far.</param>
    private sealed record Following(Task FirstLine, Task<IReadOnlyList<string>> Lines, System.Collections.Concurrent.ConcurrentQueue<string> Received);

    /// <summary>
    /// A follower inside the server (<see cref="LogService.FollowAsync"/>), read only when the test says: a follower that
    /// falls behind is one that does not read. Its events are parsed as the wire carries them.
    /// </summary>
    private sealed class InProcessFollower : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly IAsyncEnumerator<LogEventBatch> _batches;

        public InProcessFollower(TestServer server, Guid runId, long after) =>
            _batches = server.Server.Services.GetRequiredService<LogService>().FollowAsync(runId, after, _stop.Token).GetAsyncEnumerator();

        public List<string> Lines { get; } = [];

        /// <summary>The lines received so far, whole.</summary>
        public List<LogEntry> Entries { get; } = [];

        /// <summary>Reads until it has <paramref name="count"/> lines in all; the largest batch's size in bytes.</summary>
        public async Task<long> ReadUntilAsync(int count)
        {
            var largest = 0L;
            while (Lines.Count < count)
            {
                Assert.True(await _batches.MoveNextAsync().AsTask().WaitAsync(Deadline), "the follow ended early");
                var batch = _batches.Current;
                var text = string.Concat(batch.Events.Select(events => System.Text.Encoding.UTF8.GetString(events.Span)));
                largest = Math.Max(largest, batch.Events.Sum(events => (long)events.Length));
                var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
                Assert.Equal(batch.Count, events.Length);
                foreach (var sse in events)
                {
                    var fields = sse.Split('\n');
                    Assert.Equal("event: log", fields[0]);
                    var line = System.Text.Json.JsonSerializer.Deserialize(fields[1]["data: ".Length..], Bosun.Contracts.BosunJsonContext.Default.LogEntry)!;
                    Assert.Equal($"id: {line.Id}", fields[2]);
                    Lines.Add(line.Message);
                    Entries.Add(line);
                }
            }

            Assert.Equal(count, Lines.Count);
            return largest;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _batches.DisposeAsync();
            }
            catch (OperationCanceledException)
            {
                // Stopped mid-wait.
            }

            _stop.Dispose();
        }
    }
}
