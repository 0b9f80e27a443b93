using System.Diagnostics;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Sdk;
using Bosun.Testing;
using Bosun.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bosun.Bench;

/// <summary>The worker and SDK issues' benchmarks: per-run overhead of a process pool, worker memory, serve throughput.</summary>
internal static class RunBenchmarks
{
    internal static string BenchFlowDll => BenchArtifacts.BenchDll("Bosun.Bench.Flow");

    internal static string Dotnet => Environment.ProcessPath!;

    /// <summary>
    /// The process infrastructure's own overhead: a run whose command is the bare `dotnet App.dll` (no SDK work), from
    /// run created → claimed → process started → exited → final state written by the worker, against the same
    /// process started and awaited directly.
    /// </summary>
    public static async Task<string> ProcessOverheadAsync(int samples)
    {
        var bare = await BareStartsAsync(samples);
        await using var server = await BenchServer.StartAsync();
        using var client = server.NewClient();
        await client.CreateWorkPoolAsync(new WorkPoolCreate("bench", "process"));
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("bare", "bench", $"'{Dotnet}' '{Path.GetFullPath(BenchFlowDll)}' --bare", WorkPoolName: "bench"));
        using var host = await StartWorkerAsync(server, "bench");
        var latencies = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
            while (!(await client.GetFlowRunAsync(run.Id)).State.Type.IsTerminal())
            {
                await Task.Delay(1);
            }

            latencies.Add(stopwatch.Elapsed.TotalMilliseconds);
        }

        var history = await client.GetFlowRunStatesAsync((await client.ListFlowRunsAsync(new FlowRunFilter(Limit: 1))).Items[0].Id);
        var phases = string.Join(", ", history.Zip(history.Skip(1)).Select(p => $"{p.Second.Name} +{(p.Second.Timestamp - p.First.Timestamp).TotalMilliseconds:0}"));
        await host.StopAsync();
        return Compare(bare, latencies, "run created -> process exited -> final state") + $"; last run's phases (ms): {phases}";
    }

    /// <summary>
    /// `deployment run` → COMPLETED for a trivial SDK flow on a process pool with a waiting worker, against a bare
    /// `dotnet App.dll` start and exit of the same executable.
    /// </summary>
    public static async Task<string> ProcessRunLatencyAsync(int samples)
    {
        var bare = await BareStartsAsync(samples);
        await using var server = await BenchServer.StartAsync();
        using var client = server.NewClient();
        await client.CreateWorkPoolAsync(new WorkPoolCreate("bench", "process"));
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("noop", "bench", $"'{Dotnet}' '{Path.GetFullPath(BenchFlowDll)}'", WorkPoolName: "bench"));
        using var host = await StartWorkerAsync(server, "bench");
        var latencies = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
            while ((await client.GetFlowRunAsync(run.Id)).State.Type != StateType.Completed)
            {
                await Task.Delay(2);
            }

            latencies.Add(stopwatch.Elapsed.TotalMilliseconds);
        }

        await host.StopAsync();
        return Compare(bare, latencies, "run created -> COMPLETED (SDK flow)");
    }

    private static async Task<List<double>> BareStartsAsync(int samples)
    {
        var bare = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            using var process = Process.Start(new ProcessStartInfo(Dotnet) { ArgumentList = { BenchFlowDll, "--bare" }, UseShellExecute = false })!;
            await process.WaitForExitAsync();
            bare.Add(stopwatch.Elapsed.TotalMilliseconds);
        }

        return bare;
    }

    private static string Compare(List<double> bare, List<double> latencies, string what)
    {
        var bareStats = new Stats(bare);
        var runStats = new Stats(latencies);
        var ratio = runStats.Percentile(50) / bareStats.Percentile(50);
        return $"bare `dotnet App.dll`: {bareStats}; {what}: {runStats}; ratio of medians {ratio:0.00}x (+{runStats.Percentile(50) - bareStats.Percentile(50):0} ms)";
    }

    /// <summary>Resident memory of a `bosun worker start` process, idle and with 10 runs in flight.</summary>
    public static async Task<string> WorkerMemoryAsync()
    {
        await using var server = await BenchServer.StartAsync();
        using var client = server.NewClient();
        await client.CreateWorkPoolAsync(new WorkPoolCreate("mem", "process"));
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("sleep", "mem", "sleep 30", WorkPoolName: "mem"));
        var info = new ProcessStartInfo(Dotnet) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { BenchArtifacts.CliDll, "worker", "start", "--pool", "mem", "--api-url", server.Server.ApiAddress.ToString() })
        {
            info.ArgumentList.Add(argument);
        }

        using var worker = Process.Start(info)!;
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();
        try
        {
            while ((await client.ListWorkersAsync("mem")).Count == 0)
            {
                await Task.Delay(50);
            }

            await Task.Delay(3000);
            var idle = ResidentMemory.MiB(worker.Id);
            var runs = new List<Guid>();
            for (var i = 0; i < 10; i++)
            {
                runs.Add((await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate())).Id);
            }

            // In flight: every run's process started (its infrastructure id recorded).
            foreach (var id in runs)
            {
                while ((await client.GetFlowRunAsync(id)).InfrastructureId is null)
                {
                    await Task.Delay(50);
                }
            }

            await Task.Delay(2000);
            var busy = ResidentMemory.MiB(worker.Id);
            return $"worker resident memory: idle {idle:0.0} MB, with 10 runs in flight {busy:0.0} MB";
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync();
        }
    }

    /// <summary>Serve in in-process mode: trivial runs completed per second.</summary>
    public static async Task<string> ServeThroughputAsync(int runs)
    {
        await using var server = await BenchServer.StartAsync();
        using var client = server.NewClient();
        var flow = Flows.Get(BenchServeFlows.Trivial);
        using var stop = new CancellationTokenSource();
        var serving = flow.ServeAsync("bench", new ServeOptions { InProcess = true, Limit = 50, Client = client, Output = TextWriter.Null }, stop.Token);
        Deployment? deployment = null;
        while (deployment is null)
        {
            try
            {
                deployment = await client.GetDeploymentByNameAsync("trivial/bench");
            }
            catch (BosunApiException)
            {
                await Task.Delay(20);
            }
        }

        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, runs).Select(_ => client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate())));
        var created = stopwatch.Elapsed;
        while ((await client.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Completed], Limit: 1))).Total < runs)
        {
            await Task.Delay(20);
        }

        var elapsed = stopwatch.Elapsed;
        await stop.CancelAsync();
        await serving;
        return $"serve (in-process) throughput: {runs / elapsed.TotalSeconds:0} runs/s ({runs} trivial runs created and completed in {elapsed.TotalSeconds:0.0} s, creation alone {created.TotalSeconds:0.0} s)";
    }

    /// <summary>
    /// A backlog drained by a full serving process: <paramref name="runs"/> runs created beforehand (in batches of 100),
    /// then <c>ServeAsync(InProcess = true, Limit = 8)</c> of the trivial flow until all are COMPLETED. Runs/s from the
    /// serve call to the last COMPLETED, and the server's answered requests per run by route over that time.
    /// </summary>
    public static async Task<string> ServeDrainAsync(int runs)
    {
        await using var server = await BenchServer.StartAsync();
        using var client = server.NewClient();
        var flow = Flows.Get(BenchServeFlows.Trivial);
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("trivial", "drain"));
        for (var created = 0; created < runs; created += 100)
        {
            await client.CreateFlowRunsAsync(deployment.Id, [.. Enumerable.Repeat(new FlowRunCreate(), Math.Min(100, runs - created))]);
        }

        var before = await PrometheusText.RequestCountsAsync(server.Server.BaseAddress);
        using var stop = new CancellationTokenSource();
        var stopwatch = Stopwatch.StartNew();
        var serving = flow.ServeAsync("drain", new ServeOptions { InProcess = true, Limit = 8, Client = client, Output = TextWriter.Null }, stop.Token);
        while ((await client.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Completed], Limit: 1))).Total < runs)
        {
            await Task.Delay(5);
        }

        var elapsed = stopwatch.Elapsed;
        var after = await PrometheusText.RequestCountsAsync(server.Server.BaseAddress);
        await stop.CancelAsync();
        await serving;
        // The benchmark's own polling (filter) and the serve start-up (upsert) are not the drain's.
        var perRun = after.Where(pair => pair.Key.StartsWith("POST ", StringComparison.Ordinal)
                && !pair.Key.EndsWith("/deployments", StringComparison.Ordinal) && !pair.Key.EndsWith("/flow_runs/filter", StringComparison.Ordinal))
            .Select(pair => (Route: pair.Key, PerRun: (pair.Value - before.GetValueOrDefault(pair.Key)) / runs))
            .Where(route => route.PerRun > 0.005).OrderByDescending(route => route.PerRun).ToList();
        return $"serve drain (in-process, limit 8): {runs / elapsed.TotalSeconds:0} runs/s ({runs} trivial runs waiting, all COMPLETED in {elapsed.TotalSeconds:0.0} s); " +
            $"server requests per run {perRun.Sum(route => route.PerRun):0.00} ({string.Join(", ", perRun.Select(route => $"{route.Route} {route.PerRun:0.00}"))})";
    }

    internal static async Task<IHost> StartWorkerAsync(BenchServer server, string pool)
    {
        var client = new BosunClient(new BosunClientOptions { ApiUrl = server.Server.ApiAddress });
        var options = new WorkerOptions { PoolName = pool, Type = "process", Name = "bench-worker", ClaimWait = TimeSpan.FromSeconds(20) };
        var workPool = await WorkerBootstrap.PreparePoolAsync(client, options, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeProvider.System);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddBosunWorker(options, workPool, client);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}

/// <summary>The serve benchmark's flow.</summary>
internal static class BenchServeFlows
{
    [Flow("trivial")]
    public static void Trivial()
    {
    }
}
