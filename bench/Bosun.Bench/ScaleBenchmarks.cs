using System.Diagnostics;
using System.Globalization;
using System.Text;
using Bosun.Bench.Peers;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;

namespace Bosun.Bench;

/// <summary>
/// `scale`: what grows with the work (bench/README.md). On each store, against a `bosun server start` process of its
/// own: idle long-polling workers (one per pool) against create latency, wake-up and the server's CPU per run; stored
/// runs against create, claim and list latency; and log followers of one run against ingestion (each point a server in
/// the benchmark's process, as `log-ingest-*`), with a long run read start to end.
/// </summary>
internal static class ScaleBenchmarks
{
    private static readonly TimeSpan Ready = TimeSpan.FromMinutes(2);

    /// <summary>How long the server's idle CPU is measured at each number of waiters.</summary>
    private static readonly TimeSpan IdleWindow = TimeSpan.FromSeconds(3);

    /// <summary>The stored-runs curve alone (creates, claims and pages at 10k → 1M runs), on each store named.</summary>
    public static async Task<string> StoredRunsAsync(ScaleSizes sizes, IReadOnlyList<string> stores)
    {
        var text = new StringBuilder();
        foreach (var kind in stores)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{kind}:");
            text.Append(await WithServerAsync(kind, (store, _, api) => StoredRunsCurveAsync(store, api, sizes)));
        }

        return text.ToString();
    }

    public static async Task<string> RunAsync(ScaleSizes sizes, IReadOnlyList<string> stores)
    {
        var text = new StringBuilder();
        foreach (var kind in stores)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{kind}:");
            text.Append(await WithServerAsync(kind, (_, server, api) => WaitersCurveAsync(server, api, sizes)));
            text.Append(await WithServerAsync(kind, (store, _, api) => StoredRunsCurveAsync(store, api, sizes)));
            text.Append(await LogFollowersCurveAsync(kind, sizes));
        }

        return text.ToString();
    }

    /// <summary>Runs a curve against a `bosun server start` process of its own on a fresh store of <paramref name="storeKind"/>.</summary>
    private static async Task<string> WithServerAsync(string storeKind, Func<PeerStore, PeerProcess, Uri, Task<string>> curve)
    {
        await using var store = await PeerStore.CreateAsync(storeKind);
        var (server, apiUrl) = await PeerProcess.StartBosunServerAsync(store.Location("bosun"), Path.Combine(store.Directory, "bosun.key"), Ready);
        await using (server)
        {
            return await curve(store, server, BosunClientOptions.NormalizeApiUrl(apiUrl));
        }
    }

    /// <summary>
    /// Log followers 0 → 100 of one run: lines/s ingested in batches while they follow (each point a fresh server, see
    /// <see cref="LogBenchmarks.MeasureIngestAsync"/>) and what the followers cost against none; then a run of
    /// <see cref="ScaleSizes.ReadLines"/> lines read start to end page by page (linear: the last pages cost what the first do).
    /// </summary>
    private static async Task<string> LogFollowersCurveAsync(string store, ScaleSizes sizes)
    {
        var postgres = store == "postgres";
        var text = new StringBuilder(await LogBenchmarks.FollowersCurveAsync(postgres, sizes.Followers, sizes.IngestLines));
        var read = $"  log read: {await LogBenchmarks.ReadAsync(postgres, sizes.ReadLines)}";
        Console.WriteLine(read);
        return text.AppendLine(read).ToString();
    }

    /// <summary>
    /// Idle workers 1 → 1,000, one long-polling claim per pool: runs created one at a time, each in the next pool, timing
    /// the create call and the wake-up (create call started → that pool's claim answered); the server's CPU per run.
    /// </summary>
    private static async Task<string> WaitersCurveAsync(PeerProcess server, Uri apiUrl, ScaleSizes sizes)
    {
        var text = new StringBuilder();
        using var client = new BosunClient(new BosunClientOptions { ApiUrl = apiUrl });
        using var waiterClient = new BosunClient(new BosunClientOptions { ApiUrl = apiUrl });
        var pools = sizes.Waiters.Max();
        var deployments = new Guid[pools];
        for (var i = 0; i < pools; i++)
        {
            await client.CreateWorkPoolAsync(new WorkPoolCreate($"pool-{i}", "process"));
            deployments[i] = (await client.UpsertDeploymentAsync(new DeploymentUpsert("scale-flow", $"d{i}", "true", WorkPoolName: $"pool-{i}"))).Id;
        }

        var answered = new TaskCompletionSource<double>[pools];
        using var stop = new CancellationTokenSource();
        var waiters = new List<Task>();
        foreach (var level in sizes.Waiters.Order())
        {
            for (var i = waiters.Count; i < level; i++)
            {
                answered[i] = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
                waiters.Add(WaitAsync(waiterClient, i, answered, stop.Token));
            }

            // Every waiter's claim has been seen by the server (its queue's poll recorded) before anything is timed.
            for (var i = 0; i < level; i++)
            {
                while ((await client.GetWorkQueueAsync($"pool-{i}", "default")).LastPolled is null)
                {
                    await Task.Delay(20);
                }
            }

            await Task.Delay(500);
            // Untimed runs first at every level: at least twice the 30 calls after which tiered compilation promotes a
            // method, so that the server's JIT is not charged to the first level's runs.
            await WakeAsync(client, deployments, answered, level, Math.Max(sizes.WakeSamples / 10, 60), [], []);
            // What the server spends with this many idle waiters and no runs just before the timed runs: near zero
            // unless something else (tier-1 JIT in the background, the set-up's writes) is still busy in it.
            var idleCpu = ProcessCpu.Ms(server.Id);
            await Task.Delay(IdleWindow);
            var idleMsPerSecond = (ProcessCpu.Ms(server.Id) - idleCpu) / IdleWindow.TotalSeconds;
            var creates = new List<double>();
            var wakes = new List<double>();
            var cpu = ProcessCpu.Ms(server.Id);
            await WakeAsync(client, deployments, answered, level, sizes.WakeSamples, creates, wakes);
            var cpuPerRun = (ProcessCpu.Ms(server.Id) - cpu) / sizes.WakeSamples;
            var line = $"  {level} idle workers ({level} pools): create {new Stats(creates)}; wake-up {new Stats(wakes)}; " +
                $"server CPU {cpuPerRun:0.00} ms per run ({idleMsPerSecond:0.0} ms/s in the idle {IdleWindow.TotalSeconds:0} s before; load {LoadAverage.OneMinute():0.00})";
            Console.WriteLine(line);
            text.AppendLine(line);
        }

        await stop.CancelAsync();
        await Task.WhenAll(waiters);

        return text.ToString();
    }

    /// <summary>Creates <paramref name="samples"/> runs one at a time, each in the next of the first <paramref name="level"/> pools, timing the create call and the wake-up.</summary>
    private static async Task WakeAsync(BosunClient client, Guid[] deployments, TaskCompletionSource<double>[] answered, int level, int samples, List<double> creates, List<double> wakes)
    {
        for (var s = 0; s < samples; s++)
        {
            var pool = s % level;
            var answer = Volatile.Read(ref answered[pool]).Task;
            var start = Clock.NowMs();
            await client.CreateFlowRunAsync(deployments[pool], new FlowRunCreate());
            creates.Add(Clock.NowMs() - start);
            wakes.Add(await answer.WaitAsync(TimeSpan.FromSeconds(60)) - start);
            // The pool's waiter claims again at once; a moment lets that claim reach the server before the pool's next run.
            await Task.Delay(20);
        }
    }

    /// <summary>One idle worker of <c>pool-INDEX</c>: long-polls, and answers the pool's current wait with the time a run arrived.</summary>
    private static async Task WaitAsync(BosunClient client, int index, TaskCompletionSource<double>[] answered, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            ClaimResponse claim;
            try
            {
                claim = await client.ClaimFlowRunsAsync($"pool-{index}", new ClaimRequest($"worker-{index}", 1, WaitSeconds: 30), stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }

            if (claim.Runs.Count > 0)
            {
                var now = Clock.NowMs();
                Interlocked.Exchange(ref answered[index], new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(now);
            }
        }
    }

    /// <summary>
    /// Stored runs 10k → 1M (finished runs seeded in bulk, see <see cref="RunSeeder"/>; every 10th FAILED): at each point,
    /// creates and then claims (each claim completing its run) timed one at a time, and pages of GET /api/flow_runs:
    /// the first (no filter), a filtered first page (FAILED runs of the pool), the page at offset 10,000 (as deep as a first
    /// page counts) and the deep page at offset n − 100, by offset and by cursor (keyset).
    /// </summary>
    private static async Task<string> StoredRunsCurveAsync(PeerStore store, Uri apiUrl, ScaleSizes sizes)
    {
        var text = new StringBuilder();
        using var client = new BosunClient(new BosunClientOptions { ApiUrl = apiUrl });
        await client.CreateWorkPoolAsync(new WorkPoolCreate("bench", "process"));
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("bench-flow", "bench", "bench", WorkPoolName: "bench"));
        var (stored, created) = (0, 0);
        foreach (var target in sizes.StoredRuns.Order())
        {
            var seeding = Stopwatch.StartNew();
            await RunSeeder.SeedFinishedAsync(store.Location("bosun"), store.Postgres is not null, deployment.Id, first: stored + 1, target - stored, failedEvery: 10);
            seeding.Stop();
            stored = target;

            var creates = new List<double>();
            for (var i = 0; i < sizes.CreateClaimSamples; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
                creates.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            var claims = await ServerBenchmarks.MeasureClaimsAsync(client, sizes.CreateClaimSamples);
            // Seeded plus created through the API: a page's total stops at the server's count limit (10,000).
            created += creates.Count;
            var total = stored + created;
            var first = await TimeAsync(sizes.PageSamples, () => client.ListFlowRunsAsync(new FlowRunFilter()));
            var uncounted = await TimeAsync(sizes.PageSamples, () => client.ListFlowRunsAsync(new FlowRunFilter { IncludeTotal = false }));
            var filtered = await TimeAsync(sizes.PageSamples, () => client.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Failed], WorkPoolName: "bench")));
            // The deepest page the count reaches (offset 10,000, the count limit), then the last one.
            var atCountLimit = await TimeAsync(sizes.PageSamples, () => client.ListFlowRunsAsync(new FlowRunFilter(Offset: Math.Min(10_000, total - 100))));
            var deep = await TimeAsync(sizes.DeepPageSamples, () => client.ListFlowRunsAsync(new FlowRunFilter(Offset: total - 100)));
            // The middle page: on SQLite the farthest from either end of the list (a page of the whole list is read from
            // the end it is nearer).
            var middle = await TimeAsync(sizes.DeepPageSamples, () => client.ListFlowRunsAsync(new FlowRunFilter(Offset: total / 2)));
            // The same last 100 runs through the cursor of the run before them (found once, untimed, by offset).
            var cursor = (await client.ListFlowRunsAsync(new FlowRunFilter(Offset: total - 101, Limit: 1))).NextCursor;
            var deepByCursor = await TimeAsync(sizes.PageSamples, () => client.ListFlowRunsAsync(new FlowRunFilter { Cursor = cursor }));
            var line = $"  {total:N0} runs stored (seeded in {seeding.Elapsed.TotalSeconds:0.0} s): create {creates.Count} × {new Stats(creates)}; claim {claims}; " +
                $"first page p99 {first.Percentile(99):0.00} ms (counted up to the count limit; uncounted {uncounted.Percentile(99):0.00} ms), filtered first page p99 {filtered.Percentile(99):0.00} ms, page at offset 10,000 p99 {atCountLimit.Percentile(99):0.00} ms, at offset n-100 p99 {deep.Percentile(99):0.00} ms, at offset n/2 p99 {middle.Percentile(99):0.00} ms, " +
                $"the same page by cursor p99 {deepByCursor.Percentile(99):0.00} ms (n={first.Count}/{uncounted.Count}/{filtered.Count}/{atCountLimit.Count}/{deep.Count}/{middle.Count}/{deepByCursor.Count}; load {LoadAverage.OneMinute():0.00})";
            Console.WriteLine(line);
            text.AppendLine(line);
        }

        return text.ToString();
    }

    private static async Task<Stats> TimeAsync<T>(int samples, Func<Task<T>> request)
    {
        var latencies = new List<double>(samples);
        for (var i = 0; i < samples; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await request();
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return new Stats(latencies);
    }
}
