using System.Diagnostics;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Server.Storage;
using Microsoft.Extensions.DependencyInjection;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Bench;

/// <summary>The server issue's benchmarks, all through the HTTP API on 127.0.0.1.</summary>
internal static class ServerBenchmarks
{
    /// <summary>
    /// Runs claimed and completed before the measured batch of the throughput benchmarks, so that the figure is the
    /// server's steady state (methods at their final JIT tier, pools filled) rather than its first seconds.
    /// </summary>
    public const int WarmUpRuns = 10_000;

    /// <summary>8 clients each loop: claim one run, RUNNING, COMPLETED. Runs/s over the measured batch, after a warm-up.</summary>
    public static async Task<string> ClaimThroughputAsync(int runs, int clients)
    {
        await using var server = await BenchServer.StartAsync();
        using var client = server.NewClient();
        var deployment = await SetUpAsync(client);
        await SeedScheduledAsync(server, deployment, WarmUpRuns + runs + clients);

        await ClaimAndCompleteAsync(WarmUpRuns, clients, _ => server.NewClient());
        var cpu = MachineCpu.Now();
        var (done, elapsed) = await ClaimAndCompleteAsync(runs, clients, _ => server.NewClient());
        return $"claim-and-complete throughput: {done / elapsed.TotalSeconds:0} runs/s ({done} runs after {WarmUpRuns} warm-up runs, {clients} clients, {elapsed.TotalSeconds:0.0} s; 3 API calls per run; {MachineCpu.PerRun(cpu, done, elapsed)})";
    }

    /// <summary>
    /// One producer creates <paramref name="runs"/> runs one call at a time, then as many in batches of
    /// <paramref name="batch"/> (create_flow_runs), after a warm-up of both: runs/s of each and their ratio.
    /// </summary>
    /// <remarks>
    /// <paramref name="storeWork"/>, when given, reads the store's own counters (PostgreSQL: transactions and rows written),
    /// which are printed per run of the one-at-a-time phase: unlike the rate, they do not move with the machine's load.
    /// </remarks>
    public static async Task<string> CreateThroughputAsync(BosunClient client, string store, int runs, int batch, Func<Task<StoreWork>>? storeWork = null)
    {
        var deployment = await SetUpAsync(client);
        await CreateOneByOneAsync(client, deployment, 1000);
        await CreateInBatchesAsync(client, deployment, 1000, batch);

        var work = storeWork is null ? null : await storeWork();
        var cpu = MachineCpu.Now();
        var stopwatch = Stopwatch.StartNew();
        await CreateOneByOneAsync(client, deployment, runs);
        var single = stopwatch.Elapsed;
        var singleCpu = MachineCpu.PerRun(cpu, runs, single);
        var perRun = work is null ? "" : $"; store work per run one at a time: {(await storeWork!()).PerRun(work, runs)}";

        cpu = MachineCpu.Now();
        stopwatch.Restart();
        await CreateInBatchesAsync(client, deployment, runs, batch);
        var batched = stopwatch.Elapsed;
        return $"{store} create throughput, one producer: one at a time {runs / single.TotalSeconds:0} runs/s ({singleCpu}); " +
            $"in batches of {batch} {runs / batched.TotalSeconds:0} runs/s ({MachineCpu.PerRun(cpu, runs, batched)}); " +
            $"ratio {single / batched:0.0}x ({runs} runs each, after 1,000 of each untimed){perRun}";
    }

    /// <summary>A store's cumulative counters: transactions committed or rolled back, rows inserted, updated or deleted.</summary>
    internal sealed record StoreWork(long Transactions, long RowsWritten)
    {
        public string PerRun(StoreWork before, int runs) =>
            $"{(Transactions - before.Transactions) / (double)runs:0.00} transactions, {(RowsWritten - before.RowsWritten) / (double)runs:0.00} rows written " +
            "(the server's background work in those seconds included)";
    }

    private static async Task CreateOneByOneAsync(BosunClient client, Deployment deployment, int runs)
    {
        for (var i = 0; i < runs; i++)
        {
            await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new System.Text.Json.Nodes.JsonObject { ["i"] = i }));
        }
    }

    private static async Task CreateInBatchesAsync(BosunClient client, Deployment deployment, int runs, int batch)
    {
        for (var i = 0; i < runs; i += batch)
        {
            await client.CreateFlowRunsAsync(deployment.Id,
                Enumerable.Range(i, Math.Min(batch, runs - i)).Select(j => new FlowRunCreate(new System.Text.Json.Nodes.JsonObject { ["i"] = j })).ToList());
        }
    }

    /// <summary>Claim latency (one claim of one run) with <paramref name="stored"/> runs in the store, most of them finished.</summary>
    public static async Task<string> ClaimLatencyAsync(int stored, int samples)
    {
        await using var server = await BenchServer.StartAsync();
        using var client = server.NewClient();
        var deployment = await SetUpAsync(client);
        await SeedFinishedAsync(server, deployment, stored - samples);
        await SeedScheduledAsync(server, deployment, samples);

        return $"claim latency with {stored:N0} runs stored: {await MeasureClaimsAsync(client, samples)}";
    }

    /// <summary>A claim long-polls; another client creates a run; time from the create call to the claim's answer.</summary>
    public static async Task<string> WakeUpLatencyAsync(int samples)
    {
        await using var server = await BenchServer.StartAsync();
        using var creator = server.NewClient();
        using var worker = server.NewClient();
        var deployment = await SetUpAsync(creator);
        var latencies = new List<double>(samples);
        for (var i = 0; i < samples; i++)
        {
            // A fresh queue per sample: its first poll is always recorded (polls of a queue are recorded at most once a
            // second), so a recorded poll says that this claim has made its first attempt and is about to wait.
            var queue = (await creator.CreateWorkQueueAsync("bench", new WorkQueueCreate($"wake-{i}"))).Name;
            var claim = worker.ClaimFlowRunsAsync("bench", new ClaimRequest("w", 1, [queue], WaitSeconds: 30));
            while ((await creator.GetWorkQueueAsync("bench", queue)).LastPolled is null)
            {
                await Task.Delay(1);
            }

            await Task.Delay(5);
            var stopwatch = Stopwatch.StartNew();
            await creator.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(WorkQueueName: queue));
            var answer = await claim;
            latencies.Add(stopwatch.Elapsed.TotalMilliseconds);
            await CompleteAsync(creator, answer.Runs.Single().FlowRun.Id);
        }

        return $"long-poll wake-up (run created -> claim answered): {new Stats(latencies)}";
    }

    /// <summary>
    /// <paramref name="clients"/> clients, each made by <paramref name="clientFor"/> from its index, loop until
    /// <paramref name="runs"/> runs are done or the pool is empty: claim one run, RUNNING, COMPLETED.
    /// </summary>
    internal static async Task<(int Done, TimeSpan Elapsed)> ClaimAndCompleteAsync(int runs, int clients, Func<int, BosunClient> clientFor)
    {
        var done = 0;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async index =>
        {
            using var client = clientFor(index);
            while (Volatile.Read(ref done) < runs)
            {
                var claim = await client.ClaimFlowRunsAsync("bench", new ClaimRequest($"w{index}", 1));
                if (claim.Runs.Count == 0)
                {
                    break;
                }

                foreach (var run in claim.Runs)
                {
                    await CompleteAsync(client, run.FlowRun.Id);
                    Interlocked.Increment(ref done);
                }
            }
        }));
        return (done, stopwatch.Elapsed);
    }

    /// <summary>The latency of <paramref name="samples"/> claims of one due run each, completing every run claimed.</summary>
    internal static async Task<Stats> MeasureClaimsAsync(BosunClient client, int samples)
    {
        var latencies = new List<double>(samples);
        for (var i = 0; i < samples; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            var claim = await client.ClaimFlowRunsAsync("bench", new ClaimRequest("w", 1));
            latencies.Add(stopwatch.Elapsed.TotalMilliseconds);
            await CompleteAsync(client, claim.Runs.Single().FlowRun.Id);
        }

        return new Stats(latencies);
    }

    internal static async Task CompleteAsync(BosunClient client, Guid runId)
    {
        await client.SetFlowRunStateAsync(runId, new StateProposal(StateType.Running));
        await client.SetFlowRunStateAsync(runId, new StateProposal(StateType.Completed));
    }

    internal static async Task<Deployment> SetUpAsync(BosunClient client)
    {
        await client.CreateWorkPoolAsync(new WorkPoolCreate("bench", "process"));
        return await client.UpsertDeploymentAsync(new DeploymentUpsert("bench-flow", "bench", "bench", WorkPoolName: "bench"));
    }

    internal static Task SeedScheduledAsync(BenchServer server, Deployment deployment, int count) =>
        SeedAsync(server, deployment, count, StateType.Scheduled);

    private static Task SeedFinishedAsync(BenchServer server, Deployment deployment, int count) =>
        SeedAsync(server, deployment, count, StateType.Completed);

    /// <summary>Bulk-inserts runs through the store (not the API), so that seeding 100,000 runs takes seconds.</summary>
    private static async Task SeedAsync(BenchServer server, Deployment deployment, int count, StateType state)
    {
        var database = server.Server.Services.GetRequiredService<BosunDatabase>();
        var flowId = deployment.FlowId;
        var (poolId, queueId) = await database.ReadAsync(async connection =>
        {
            var pool = await WorkPoolStore.GetPoolAsync(connection, "bench", TimeProvider.System.GetUtcNow(), cancellationToken: CancellationToken.None);
            var queue = await WorkPoolStore.GetQueueAsync(connection, pool!.Id, "default", cancellationToken: CancellationToken.None);
            return (pool.Id, queue!.Id);
        }, CancellationToken.None);
        var now = TimeProvider.System.GetUtcNow().AddMinutes(-1);
        for (var start = 0; start < count; start += 5000)
        {
            var batch = Math.Min(5000, count - start);
            await database.WriteAsync(async scope =>
            {
                for (var i = 0; i < batch; i++)
                {
                    var time = Ms(now.AddMilliseconds(start + i));
                    await FlowRunStore.InsertAsync(scope, new FlowRunRow
                    {
                        Id = Guid.NewGuid(),
                        Name = $"seed-{start + i}",
                        FlowId = flowId,
                        DeploymentId = deployment.Id,
                        WorkPoolId = poolId,
                        WorkQueueId = queueId,
                        Parameters = "{}",
                        JobVariables = "{}",
                        Tags = "[]",
                        StateId = Guid.NewGuid(),
                        StateType = state.ToWireName(),
                        StateName = StateNames.Default(state),
                        StateTimestamp = time,
                        StateScheduledTime = state == StateType.Scheduled ? time : null,
                        ExpectedStartTime = time,
                        NextScheduledStartTime = state == StateType.Scheduled ? time : null,
                        Created = time,
                        Updated = time,
                    }, CancellationToken.None);
                }

                return 0;
            }, CancellationToken.None);
        }

    }
}
