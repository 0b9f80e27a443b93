using System.Collections.Concurrent;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Server.Orchestration;
using Bosun.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Worker.Tests;

/// <summary>Log lines while the server is away: kept in order in memory, then on disk, and loudly counted past both bounds.</summary>
public sealed class LogShipperTests
{
    private static async Task<(TestServer Server, Guid RunId)> ServerWithRunAsync(Action<BosunServerOptions>? configure = null)
    {
        var server = await TestServer.StartAsync(configure: configure);
        await server.Client.PoolAsync("proc");
        var deployment = await server.Client.CommandDeploymentAsync("proc", "true");
        var run = await server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        return (server, run.Id);
    }

    [Fact]
    public async Task FlushRunAsync_SendsOnlyWhenThatRunHasLinesWaiting_ThenEverythingInOrder()
    {
        var (server, runId) = await ServerWithRunAsync();
        await using var _ = server;
        var other = await server.Client.CreateFlowRunAsync((await server.Client.GetFlowRunAsync(runId)).DeploymentId!.Value, new FlowRunCreate());
        // Not started: nothing ships unless flushed.
        await using var logs = new LogShipper(server.Client, TimeProvider.System, new ListLogger());
        logs.Add(other.Id, RunLogLevel.Info, "other 1", LogSource.Flow);

        // The run has no line waiting: its final state need not wait, and the other run's line stays for the next batch.
        Assert.True(await logs.FlushRunAsync(runId));
        Assert.Empty(await server.Client.AllLogsAsync(other.Id));

        logs.Add(runId, RunLogLevel.Info, "mine 1", LogSource.Flow);
        logs.Add(other.Id, RunLogLevel.Info, "other 2", LogSource.Flow);
        Assert.True(await logs.FlushRunAsync(runId));

        // It has one: everything buffered goes, in order.
        Assert.Equal(["mine 1"], (await server.Client.AllLogsAsync(runId)).Select(line => line.Message));
        Assert.Equal(["other 1", "other 2"], (await server.Client.AllLogsAsync(other.Id)).Select(line => line.Message));
    }

    [Fact]
    public async Task Flush_LinesLongerThanTheServerTakesAndMoreThanItsBodyLimit_EveryCharacterArrivesInOrder()
    {
        var (server, runId) = await ServerWithRunAsync();
        await using var _ = server;
        await using var logs = new LogShipper(server.Client, TimeProvider.System, new ListLogger());
        // 200,000 characters with a two-unit character across the first part's end; then 1,000 lines of 20,000
        // characters: 20 MB in all, twice the server's default body limit (10 MiB).
        var longLine = new string('a', LogCreate.MaxMessageLength - 1) + "🚢" + new string('b', 200_000 - LogCreate.MaxMessageLength - 1);
        var lines = Enumerable.Range(0, 1000).Select(i => $"{i:D4}" + new string('c', 19_996)).ToList();
        logs.Add(runId, RunLogLevel.Warning, longLine, LogSource.Flow);
        lines.ForEach(line => logs.Add(runId, RunLogLevel.Info, line, LogSource.Flow));
        logs.Add(runId, RunLogLevel.Info, "", LogSource.Flow);

        Assert.True(await logs.FlushAsync());

        var stored = await server.Client.AllLogsAsync(runId);
        var parts = stored.TakeWhile(line => line.Level == RunLogLevel.Warning).ToList();
        Assert.Equal(4, parts.Count);
        Assert.All(parts, part => Assert.InRange(part.Message.Length, 1, LogCreate.MaxMessageLength));
        Assert.Equal(longLine, string.Concat(parts.Select(part => part.Message)));
        Assert.Equal([.. lines, ""], stored.Skip(parts.Count).Select(line => line.Message));
        Assert.Equal(0, logs.DroppedLines);
    }

    [Fact]
    public async Task Flush_BatchWithLinesOfARunDeletedMeanwhile_EveryOtherRunsLinesArriveInOrder()
    {
        var (server, runId) = await ServerWithRunAsync();
        await using var _ = server;
        var deploymentId = (await server.Client.GetFlowRunAsync(runId)).DeploymentId!.Value;
        var (deleted, other) = (await server.Client.CreateFlowRunAsync(deploymentId, new FlowRunCreate()), await server.Client.CreateFlowRunAsync(deploymentId, new FlowRunCreate()));
        var logger = new ListLogger();
        await using var logs = new LogShipper(server.Client, TimeProvider.System, logger);
        for (var i = 0; i < 300; i++)
        {
            logs.Add(runId, RunLogLevel.Info, $"run {i}", LogSource.Flow);
            logs.Add(deleted.Id, RunLogLevel.Info, $"deleted {i}", LogSource.Flow);
            logs.Add(other.Id, RunLogLevel.Info, $"other {i}", LogSource.Flow);
        }

        // One batch holds lines of all three runs; the server refuses it as a whole (404) once one run is gone.
        await server.Client.DeleteFlowRunAsync(deleted.Id);
        Assert.True(await logs.FlushAsync());

        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"run {i}"), (await server.Client.AllLogsAsync(runId)).Select(line => line.Message));
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"other {i}"), (await server.Client.AllLogsAsync(other.Id)).Select(line => line.Message));
        Assert.Contains(logger.Lines, message => message.Contains("refused 300 log line(s)", StringComparison.Ordinal) && message.Contains(deleted.Id.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Flush_ServerBodyLimitBelowTheBatches_EveryLineArrivesInOrder_ALineTooLargeAloneIsReplacedByANoticeInItsPlace()
    {
        // 100,000 bytes: batches of 1,000 short lines are over it, and so is one line of 40,000 '<' (six bytes each in JSON).
        var (server, runId) = await ServerWithRunAsync(options => options.MaxRequestBodyBytes = 100_000);
        await using var _ = server;
        var logger = new ListLogger();
        await using var logs = new LogShipper(server.Client, TimeProvider.System, logger);
        var lines = Enumerable.Range(0, 2500).Select(i => $"{i:D4} " + new string('x', 200)).ToList();
        lines.Take(1200).ToList().ForEach(line => logs.Add(runId, RunLogLevel.Info, line, LogSource.Flow));
        logs.Add(runId, RunLogLevel.Warning, new string('<', 40_000), LogSource.Flow);
        lines.Skip(1200).ToList().ForEach(line => logs.Add(runId, RunLogLevel.Info, line, LogSource.Flow));

        Assert.True(await logs.FlushAsync());

        var stored = await server.Client.AllLogsAsync(runId);
        Assert.Equal(lines, stored.Where(line => line.Level == RunLogLevel.Info).Select(line => line.Message));
        var notice = Assert.Single(stored, line => line.Level != RunLogLevel.Info);
        Assert.Equal((RunLogLevel.Error, 1200), (notice.Level, stored.ToList().IndexOf(notice)));
        Assert.Contains("A log line of 40000 characters was refused by the Bosun server", notice.Message, StringComparison.Ordinal);
        Assert.Contains("larger than the server accepts", notice.Message, StringComparison.Ordinal);
        Assert.Contains(logger.Lines, message => message.Contains("refused 1 log line(s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Flush_AfterABatchRefusedForItsSize_LaterBatchesCutBelowTheLimit_TheFullSizeTriedAgainTenMinutesLater()
    {
        var (server, runId) = await ServerWithRunAsync(options => options.MaxRequestBodyBytes = 100_000);
        await using var _ = server;
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var logger = new ListLogger();
        await using var logs = new LogShipper(server.Client, clock, logger);
        var lines = Enumerable.Range(0, 3000).Select(i => $"{i:D4} " + new string('x', 200)).ToList();
        int Splits() => logger.Lines.Count(line => line.Contains("it is sent again in", StringComparison.Ordinal));

        // A full batch (1,000 lines, ~300 KB) is refused, and split until its parts pass.
        lines.Take(1000).ToList().ForEach(line => logs.Add(runId, RunLogLevel.Info, line, LogSource.Flow));
        Assert.True(await logs.FlushAsync());
        var learned = Splits();
        Assert.True(learned > 0, "the first batch was over the server's limit");

        // The next 1,000 lines go in batches cut to what passed: none is refused.
        lines.Skip(1000).Take(1000).ToList().ForEach(line => logs.Add(runId, RunLogLevel.Info, line, LogSource.Flow));
        Assert.True(await logs.FlushAsync());
        Assert.Equal(learned, Splits());

        // Ten minutes later the full size is tried again (the limit may have been raised): refused once more here.
        clock.Advance(TimeSpan.FromMinutes(10));
        lines.Skip(2000).ToList().ForEach(line => logs.Add(runId, RunLogLevel.Info, line, LogSource.Flow));
        Assert.True(await logs.FlushAsync());
        Assert.True(Splits() > learned, "a full batch was tried again");

        Assert.Equal(lines, (await server.Client.AllLogsAsync(runId)).Select(line => line.Message));
        Assert.Equal(0, logs.DroppedLines);
    }

    [Fact]
    public async Task ServerAway_LinesPastTheMemoryBound_SpilledToDiskThenShippedInOrder()
    {
        var (server, runId) = await ServerWithRunAsync();
        await using var _ = server;
        var spill = TempDirectory.Create("bosun-spill");
        var logger = new ListLogger();
        await using var logs = new LogShipper(server.Client, TimeProvider.System, logger, new LogShipperOptions { MemoryLines = 100, SpillDirectory = spill });
        await server.StopAsync();

        for (var i = 1; i <= 1000; i++)
        {
            logs.Add(runId, RunLogLevel.Info, $"line {i}", LogSource.Flow);
        }

        Assert.NotNull(logs.SpillFilePath);
        Assert.StartsWith(spill, logs.SpillFilePath, StringComparison.Ordinal);
        Assert.True(new FileInfo(logs.SpillFilePath).Length > 900 * "line 1".Length, "the spill file holds the lines past the memory bound");
        Assert.False(await logs.FlushAsync(), "the server is away");
        Assert.Contains(logger.Lines, l => l.Contains("moved from memory to", StringComparison.Ordinal));

        await server.RestartAsync();
        Assert.True(await logs.FlushAsync());

        var stored = await server.Client.AllLogsAsync(runId);
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => $"line {i}"), stored.Select(l => l.Message));
        Assert.Null(logs.SpillFilePath);
        Assert.Equal(0, logs.DroppedLines);
        TempDirectory.Delete(spill);
    }

    [Fact]
    public async Task ServerAway_PastTheSpillFileBound_DropsLoudlyAndTellsTheRun()
    {
        var (server, runId) = await ServerWithRunAsync();
        await using var _ = server;
        var spill = TempDirectory.Create("bosun-spill");
        var logger = new ListLogger();
        await using var logs = new LogShipper(server.Client, TimeProvider.System, logger,
            new LogShipperOptions { MemoryLines = 100, SpillDirectory = spill, SpillFileBytes = 20_000 });
        await server.StopAsync();

        for (var i = 1; i <= 1000; i++)
        {
            logs.Add(runId, RunLogLevel.Info, $"line {i}", LogSource.Flow);
        }

        Assert.True(logs.DroppedLines > 0);
        Assert.Contains(logger.Lines, l => l.StartsWith("Error: LOG LINES LOST", StringComparison.Ordinal));
        await server.RestartAsync();
        Assert.True(await logs.FlushAsync());
        Assert.True(await logs.FlushAsync());

        var stored = await server.Client.AllLogsAsync(runId);
        var kept = stored.Where(l => l.Source == LogSource.Flow).Select(l => l.Message).ToList();
        Assert.Equal(Enumerable.Range(1, kept.Count).Select(i => $"line {i}"), kept);
        Assert.Equal(1000 - logs.DroppedLines, kept.Count);
        var notice = Assert.Single(stored, l => l.Source == LogSource.Worker);
        Assert.StartsWith($"{logs.DroppedLines} log line(s) of this run were dropped", notice.Message, StringComparison.Ordinal);
        TempDirectory.Delete(spill);
    }

    private sealed class ListLogger : ILogger<LogShipper>
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IEnumerable<string> Lines => _lines;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }
}
