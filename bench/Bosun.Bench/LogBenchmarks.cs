using System.Diagnostics;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Server;
using Bosun.Server.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Bosun.Bench;

/// <summary>Log ingestion while runs are followed, and reading a long run's lines page by page, on SQLite and PostgreSQL.</summary>
internal static class LogBenchmarks
{
    private const int BatchLines = 1000;
    private const int Writers = 4;
    private const int ReadPage = 500;

    /// <summary>
    /// <paramref name="lines"/> lines of one run written by 4 clients in batches of 1,000 while <paramref name="followers"/>
    /// SSE followers of that run read them: ingestion lines/s (first batch sent to last batch answered), then the time until
    /// every follower has every line and has ended on its own after the run completed.
    /// </summary>
    public static async Task<string> IngestAsync(bool postgres, int lines, int followers) =>
        (await MeasureIngestAsync(postgres, lines, followers)).Text;

    /// <summary><see cref="IngestAsync"/> with the ingestion rate as a number, for <c>scale</c>'s followers curve.</summary>
    public static async Task<(double LinesPerSecond, string Text)> MeasureIngestAsync(bool postgres, int lines, int followers)
    {
        await using var store = await BenchStore.StartAsync(postgres);
        using var client = store.NewClient();
        var run = await RunningRunAsync(client);
        using var http = new HttpClient { BaseAddress = store.Server.ApiAddress, Timeout = Timeout.InfiniteTimeSpan };
        var counts = new long[followers];
        // Followers read from the run's first line, so they see every line whenever their request is answered.
        var following = Enumerable.Range(0, followers).Select(index => Task.Run(async () =>
        {
            using var response = await http.GetAsync($"flow_runs/{run.Id}/logs/follow", HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            await using var stream = await response.Content.ReadAsStreamAsync();
            counts[index] = await CountEventsAsync(stream);
        })).ToList();

        var now = TimeProvider.System.GetUtcNow();
        var batches = lines / BatchLines;
        var next = -1;
        var cpu = MachineCpu.Now();
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(async _ =>
        {
            using var writer = store.NewClient();
            int batch;
            while ((batch = Interlocked.Increment(ref next)) < batches)
            {
                await writer.WriteLogsAsync(Enumerable.Range(0, BatchLines)
                    .Select(i => new LogCreate(run.Id, now, RunLogLevel.Info, $"batch {batch} line {i}: the quick brown fox jumps over the lazy dog")).ToList());
            }
        }));
        var ingested = stopwatch.Elapsed;
        var cpuText = MachineCpu.PerRun(cpu, lines / 1000, ingested).Replace("per run", "per 1,000 lines", StringComparison.Ordinal);
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Completed));
        await Task.WhenAll(following);
        var delivered = stopwatch.Elapsed;
        var incomplete = counts.Count(count => count != lines);
        var delivery = followers == 0 ? ""
            : $"; every follower done {delivered.TotalSeconds:0.00} s after the first batch" +
                (incomplete == 0 ? ", each with every line" : $"; {incomplete} follower(s) MISSED lines (fewest {counts.Min():N0})");
        return (lines / ingested.TotalSeconds, $"{store.Kind}, {followers} follower(s): {lines / ingested.TotalSeconds:N0} lines/s ingested ({lines:N0} lines in batches of {BatchLines:N0} from {Writers} clients, " +
            $"{ingested.TotalSeconds:0.00} s; {cpuText}){delivery}");
    }

    /// <summary>
    /// <see cref="MeasureIngestAsync"/> at each number of <paramref name="followers"/> (0 first: ingestion alone, the
    /// baseline), each point on a fresh server, with how far each point's ingestion falls below the baseline. One
    /// ingestion with one follower goes first, untimed: every point, the baseline too, then runs code the JIT has
    /// optimized (the servers share this process), where the first point alone used to run it cold.
    /// </summary>
    public static async Task<string> FollowersCurveAsync(bool postgres, IEnumerable<int> followers, int lines)
    {
        await MeasureIngestAsync(postgres, lines, followers: 1);
        var text = new System.Text.StringBuilder();
        double? alone = null;
        foreach (var count in followers.Order())
        {
            var (rate, result) = await MeasureIngestAsync(postgres, lines, count);
            alone ??= count == 0 ? rate : null;
            var cost = alone is { } baseline && count > 0 ? $"; ingestion {1 - (rate / baseline):P0} below no follower" : "";
            var line = $"  log followers: {result}{cost} (load {LoadAverage.OneMinute():0.00})";
            Console.WriteLine(line);
            text.AppendLine(line);
        }

        return text.ToString();
    }

    /// <summary>
    /// A run of <paramref name="lines"/> lines (seeded in the store) read start to end through the API, 500 lines a page,
    /// each page after the last line's id: total time, and the page time at the start and at the end of the run.
    /// </summary>
    public static async Task<string> ReadAsync(bool postgres, int lines)
    {
        await using var store = await BenchStore.StartAsync(postgres);
        using var client = store.NewClient();
        var run = await RunningRunAsync(client);
        var seeding = Stopwatch.StartNew();
        await store.SeedLinesAsync(run.Id, lines);
        seeding.Stop();

        var pages = new List<double>();
        var read = 0;
        long after = 0;
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            var page = Stopwatch.StartNew();
            var items = (await client.ReadLogsAsync(run.Id, after, ReadPage)).Items;
            pages.Add(page.Elapsed.TotalMilliseconds);
            read += items.Count;
            if (items.Count < ReadPage)
            {
                break;
            }

            after = items[^1].Id;
        }

        var tenth = Math.Max(1, pages.Count / 10);
        return $"{store.Kind}: {read:N0} lines read in {stopwatch.Elapsed.TotalSeconds:0.0} s ({read / stopwatch.Elapsed.TotalSeconds:N0} lines/s, {pages.Count} pages of {ReadPage}); " +
            $"page time, first tenth: {new Stats(pages.Take(tenth))}; last tenth: {new Stats(pages.TakeLast(tenth))} (seeded in {seeding.Elapsed.TotalSeconds:0} s)";
    }

    private static async Task<FlowRun> RunningRunAsync(BosunClient client)
    {
        await client.CreateWorkPoolAsync(new WorkPoolCreate("bench", "process"));
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("bench-flow", "bench", "bench", WorkPoolName: "bench"));
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await client.ClaimFlowRunsAsync("bench", new ClaimRequest("w", 1));
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        return run;
    }

    /// <summary>Counts "event: log" lines in a server-sent event stream without parsing its JSON (100 parsers would compete with the server for the cores).</summary>
    private static async Task<long> CountEventsAsync(Stream stream)
    {
        var buffer = new byte[64 * 1024];
        var kept = 0;
        long count = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer.AsMemory(kept))) > 0)
        {
            count += CountMarkers(buffer, kept + read, out kept);
        }

        return count;
    }

    /// <summary>Markers in the first <paramref name="length"/> bytes; the tail that may hold a split marker is moved to the front.</summary>
    private static int CountMarkers(byte[] buffer, int length, out int kept)
    {
        ReadOnlySpan<byte> marker = "event: log\n"u8;
        var span = buffer.AsSpan(0, length);
        var count = 0;
        var position = 0;
        int found;
        while ((found = span[position..].IndexOf(marker)) >= 0)
        {
            count++;
            position += found + marker.Length;
        }

        kept = Math.Min(marker.Length - 1, length - position);
        span[(length - kept)..].CopyTo(buffer);
        return count;
    }

    /// <summary>A server on a fresh SQLite file or a fresh PostgreSQL database.</summary>
    private sealed class BenchStore : IAsyncDisposable
    {
        private readonly BenchServer? _sqlite;
        private readonly string? _postgres;

        private BenchStore(BosunServer server, BenchServer? sqlite, string? postgres)
        {
            Server = server;
            _sqlite = sqlite;
            _postgres = postgres;
        }

        public BosunServer Server { get; }

        public string Kind => _postgres is null ? "SQLite" : "PostgreSQL";

        public static async Task<BenchStore> StartAsync(bool postgres)
        {
            if (!postgres)
            {
                var sqlite = await BenchServer.StartAsync();
                return new BenchStore(sqlite.Server, sqlite, null);
            }

            var database = await PostgresBenchmarks.CreateDatabaseAsync();
            return new BenchStore(await PostgresBenchmarks.StartAsync(database), null, database);
        }

        public BosunClient NewClient() => new(new BosunClientOptions { ApiUrl = Server.ApiAddress });

        /// <summary>Lines written by the database itself (SQLite: one transaction of prepared inserts; PostgreSQL: generate_series).</summary>
        public async Task SeedLinesAsync(Guid runId, int count)
        {
            var time = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
            if (_postgres is not null)
            {
                await using var connection = new NpgsqlConnection(_postgres);
                await connection.OpenAsync();
                await using var insert = new NpgsqlCommand("""
                    INSERT INTO logs (flow_run_id, timestamp, level, message, source)
                    SELECT @run, @time, 'INFO', 'seeded line ' || g || ': the quick brown fox jumps over the lazy dog', 'flow'
                    FROM generate_series(1, @count) AS g
                    """, connection);
                insert.CommandTimeout = 600;
                insert.Parameters.AddWithValue("run", runId.ToString());
                insert.Parameters.AddWithValue("time", time);
                insert.Parameters.AddWithValue("count", count);
                await insert.ExecuteNonQueryAsync();
                await using var analyze = new NpgsqlCommand("ANALYZE logs", connection);
                await analyze.ExecuteNonQueryAsync();
                return;
            }

            var database = Server.Services.GetRequiredService<BosunDatabase>();
            var now = TimeProvider.System.GetUtcNow();
            for (var start = 0; start < count; start += 50_000)
            {
                var lines = Enumerable.Range(start, Math.Min(50_000, count - start))
                    .Select(i => new LogCreate(runId, now, RunLogLevel.Info, $"seeded line {i}: the quick brown fox jumps over the lazy dog")).ToList();
                await database.WriteAsync(async scope =>
                {
                    await LogStore.InsertAsync(scope, lines, CancellationToken.None);
                    return 0;
                }, CancellationToken.None);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_sqlite is not null)
            {
                await _sqlite.DisposeAsync();
                return;
            }

            await Server.StopAsync();
            await Server.DisposeAsync();
            await PostgresBenchmarks.DropDatabaseAsync(_postgres!);
        }
    }
}
