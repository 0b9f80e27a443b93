using System.Diagnostics;
using System.Globalization;
using System.Text;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;

namespace Bosun.Bench;

/// <summary>
/// `server-memory`: the server's resident memory, idle and at its peak under a W1-shaped load, and its throughput and CPU
/// per run, under each garbage-collector setting a user can choose (bench/README.md), all in one run.
/// </summary>
internal static class MemoryBenchmarks
{
    private static readonly TimeSpan Ready = TimeSpan.FromMinutes(2);

    /// <summary>The settings compared, as the runtime's environment variables.</summary>
    private static readonly (string Name, Dictionary<string, string> Environment)[] Settings =
    [
        ("workstation, concurrent (default)", []),
        ("workstation, non-concurrent", new() { ["DOTNET_gcConcurrent"] = "0" }),
        ("workstation, GCConserveMemory=5", new() { ["DOTNET_GCConserveMemory"] = "5" }),
        // The smallest gen0 budget (1 MiB): more, smaller gen0 collections. An environment variable only: the runtime
        // reads no runtimeconfig property for it (docs/operations.md, "Runtime settings").
        ("workstation, concurrent, GCgen0size=1 MiB", new() { ["DOTNET_GCgen0size"] = "0x100000" }),
        ("server GC (DATAS)", new() { ["DOTNET_gcServer"] = "1" }),
        // Not a GC setting: bosun's runtimeconfig turns tiered PGO off (src/Bosun.Cli/Bosun.Cli.csproj); this is the runtime's default.
        ("workstation, concurrent, tiered PGO on", new() { ["DOTNET_TieredPGO"] = "1" }),
    ];

    public static async Task<string> ServerMemoryAsync(string storeKind, int runs, int clients)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"server memory on {storeKind}, {runs:N0} runs created one at a time by one producer while {clients} clients claim and complete them:");
        foreach (var (name, environment) in Settings)
        {
            await using var store = await PeerStore.CreateAsync(storeKind);
            var (server, apiUrl) = await PeerProcess.StartBosunServerAsync(store.Location("bosun"), Path.Combine(store.Directory, "bosun.key"), Ready, environment);
            await using (server)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {name}: {await MeasureAsync(server, BosunClientOptions.NormalizeApiUrl(apiUrl), runs, clients)}");
            }
        }

        return text.ToString();
    }

    private static async Task<string> MeasureAsync(PeerProcess server, Uri apiUrl, int runs, int clients)
    {
        BosunClient NewClient() => new(new BosunClientOptions { ApiUrl = apiUrl });
        using var producer = NewClient();
        var deployment = await ServerBenchmarks.SetUpAsync(producer);

        // Warm-up: the same work, untimed, so that the JIT and the pools are behind us.
        await LoadAsync(producer, deployment.Id, 1000, clients, NewClient);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var idle = server.ResidentMiB();

        var peak = idle;
        using var stopSampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, server.ResidentMiB());
                await Task.Delay(100);
            }
        });
        var cpuBefore = ProcessCpu.Ms(server.Id);
        var elapsed = await LoadAsync(producer, deployment.Id, runs, clients, NewClient);
        var cpu = ProcessCpu.Ms(server.Id) - cpuBefore;
        var parts = ResidentMemory.Parts(server.Id);
        await stopSampling.CancelAsync();
        await sampler;
        return $"idle {idle:0} MiB, peak {peak:0} MiB (after the load: {parts}); {runs / elapsed.TotalSeconds:0} runs/s; server CPU {cpu / runs:0.00} ms per run; load {LoadAverage.OneMinute():0.0}";
    }

    /// <summary>One producer creates <paramref name="runs"/> runs one at a time while the clients claim (waiting) and complete them; the time until the last is completed.</summary>
    private static async Task<TimeSpan> LoadAsync(BosunClient producer, Guid deploymentId, int runs, int clients, Func<BosunClient> newClient)
    {
        var done = 0;
        var stopwatch = Stopwatch.StartNew();
        var creating = Task.Run(async () =>
        {
            for (var i = 0; i < runs; i++)
            {
                await producer.CreateFlowRunAsync(deploymentId, new FlowRunCreate(new System.Text.Json.Nodes.JsonObject { ["i"] = i }));
            }
        });
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async index =>
        {
            using var client = newClient();
            while (Volatile.Read(ref done) < runs)
            {
                var claim = await client.ClaimFlowRunsAsync("bench", new ClaimRequest($"w{index}", 1, WaitSeconds: 1));
                foreach (var run in claim.Runs)
                {
                    await ServerBenchmarks.CompleteAsync(client, run.FlowRun.Id);
                    Interlocked.Increment(ref done);
                }
            }
        }));
        var elapsed = stopwatch.Elapsed;
        await creating;
        return elapsed;
    }
}
