namespace Bosun.Bench;

/// <summary>
/// `dotnet bench/Bosun.Bench/bin/Release/net10.0/Bosun.Bench.dll [name...] [--quick] [--rounds N] [--systems a,b]
/// [--warm-up N]`; no names runs every Bosun benchmark (not `peers`, `scale` and `*log-followers`, which run only when named). `--warm-up`
/// sets how many jobs `peers` runs in each system before measuring (1,000 by default): a long warm-up measures processes
/// past their JIT's tiering, a short one processes as they are in their first minute.
/// </summary>
internal static class BenchRunner
{
    private static readonly string[] NamedOnly = ["peers", "scale", "stored-runs", "log-followers", "pg-log-followers"];

    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var rounds = int.Parse(Option(args, "--rounds") ?? "1", System.Globalization.CultureInfo.InvariantCulture);
        var systems = Option(args, "--systems")?.Split(',');
        var peerWorkloads = quick ? PeerWorkloads.Quick : PeerWorkloads.Full;
        if (Option(args, "--warm-up") is { } warmUp)
        {
            peerWorkloads = peerWorkloads with { WarmUp = int.Parse(warmUp, System.Globalization.CultureInfo.InvariantCulture) };
        }
        var benchmarks = new Dictionary<string, Func<Task<string>>>(StringComparer.OrdinalIgnoreCase)
        {
            ["claim-throughput"] = () => ServerBenchmarks.ClaimThroughputAsync(runs: 10_000, clients: 8),
            ["create-throughput"] = async () =>
            {
                await using var server = await BenchServer.StartAsync();
                using var client = server.NewClient();
                return await ServerBenchmarks.CreateThroughputAsync(client, "SQLite", runs: 5000, batch: 100);
            },
            ["pg-create-throughput"] = () => PostgresBenchmarks.CreateThroughputAsync(runs: 5000, batch: 100),
            ["pg-schedule-sweep"] = () => PostgresBenchmarks.ScheduleSweepAsync(schedules: 80),
            ["server-memory"] = () => MemoryBenchmarks.ServerMemoryAsync("sqlite", runs: 5000, clients: 8),
            ["claim-latency"] = () => ServerBenchmarks.ClaimLatencyAsync(stored: 100_000, samples: 2000),
            ["wake-latency"] = () => ServerBenchmarks.WakeUpLatencyAsync(samples: 200),
            ["process-overhead"] = () => RunBenchmarks.ProcessOverheadAsync(samples: 30),
            ["process-run"] = () => RunBenchmarks.ProcessRunLatencyAsync(samples: 30),
            ["worker-memory"] = RunBenchmarks.WorkerMemoryAsync,
            ["serve-throughput"] = () => RunBenchmarks.ServeThroughputAsync(runs: 2000),
            ["serve-drain"] = () => RunBenchmarks.ServeDrainAsync(runs: 5000),
            ["pg-throughput-1"] = () => PostgresBenchmarks.ThroughputAsync(replicas: 1, runs: 10_000, clients: 8),
            ["pg-throughput-2"] = () => PostgresBenchmarks.ThroughputAsync(replicas: 2, runs: 10_000, clients: 8),
            ["pg-claim-latency"] = () => PostgresBenchmarks.ClaimLatencyAsync(stored: 1_000_000, samples: 2000),
            ["docker-run-overhead"] = () => DockerBenchmarks.RunOverheadAsync(runs: 30),
            ["docker-image-build"] = () => DockerBenchmarks.ImageBuildAsync(cachedSamples: 5),
            ["outage-complete"] = () => OutageBenchmarks.CompleteAcrossOutageAsync(samples: 3, outage: TimeSpan.FromSeconds(60)),
            ["stuck-run-recovery"] = RecoveryBenchmarks.StuckRunRecoveryAsync,
            ["peers"] = () => PeerComparison.RunAsync(peerWorkloads, rounds, systems),
            ["scale"] = () => ScaleBenchmarks.RunAsync(quick ? ScaleSizes.Quick : ScaleSizes.Full, systems ?? ["sqlite", "postgres"]),
            ["stored-runs"] = () => ScaleBenchmarks.StoredRunsAsync(quick ? ScaleSizes.Quick : ScaleSizes.Full, systems ?? ["sqlite", "postgres"]),
            ["log-ingest-1"] = () => LogBenchmarks.IngestAsync(postgres: false, lines: 200_000, followers: 1),
            ["log-ingest-100"] = () => LogBenchmarks.IngestAsync(postgres: false, lines: 200_000, followers: 100),
            ["pg-log-ingest-1"] = () => LogBenchmarks.IngestAsync(postgres: true, lines: 200_000, followers: 1),
            ["pg-log-ingest-100"] = () => LogBenchmarks.IngestAsync(postgres: true, lines: 200_000, followers: 100),
            ["log-followers"] = () => LogBenchmarks.FollowersCurveAsync(postgres: false, ScaleSizes.Full.Followers, ScaleSizes.Full.IngestLines),
            ["pg-log-followers"] = () => LogBenchmarks.FollowersCurveAsync(postgres: true, ScaleSizes.Full.Followers, ScaleSizes.Full.IngestLines),
            ["log-read"] = () => LogBenchmarks.ReadAsync(postgres: false, lines: 1_000_000),
            ["pg-log-read"] = () => LogBenchmarks.ReadAsync(postgres: true, lines: 1_000_000),
            ["kubernetes-run-overhead"] = () => KubernetesBenchmarks.RunOverheadAsync(runs: 10),
            ["kubernetes-worker-memory"] = () => KubernetesBenchmarks.WorkerMemoryAsync(jobs: 50),
            ["tasks"] = () => TaskBenchmarks.TasksAsync(tasks: 1000, samples: 50),
            ["automation-latency"] = () => AutomationBenchmarks.EventToWebhookLatencyAsync(samples: 300),
            ["tracing-cost"] = () => ObservabilityCostBenchmarks.TracingCostAsync(runs: 10_000, clients: 8),
            ["metrics-cost"] = () => ObservabilityCostBenchmarks.MetricsCostAsync(runs: 10_000, clients: 8),
            ["deploy-repo-info"] = () => DeployBenchmarks.DeployRepoInfoAsync(samples: 5),
            ["pull-step-overhead"] = () => DeployBenchmarks.PullStepOverheadAsync(samples: 15),
            ["deploy-docker"] = () => DeployBenchmarks.DeployDockerAsync(samples: 3),
        };
        // An option it does not know (`--help`, a typo) is refused: running every benchmark instead takes most of an hour.
        if (args.FirstOrDefault(a => a.StartsWith("--", StringComparison.Ordinal) && a is not ("--quick" or "--rounds" or "--systems" or "--warm-up")) is { } unknown)
        {
            await Console.Error.WriteLineAsync($"Unknown option '{unknown}'; the options are --quick, --rounds N, --systems A,B and --warm-up N, " +
                $"and the benchmarks {string.Join(", ", benchmarks.Keys)}.");
            return 2;
        }

        var names = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || args[i - 1] is not ("--rounds" or "--systems" or "--warm-up"))).ToList();
        var selected = names.Count == 0 ? benchmarks.Keys.Except(NamedOnly).ToList() : names;
        foreach (var name in selected)
        {
            if (!benchmarks.TryGetValue(name, out var run))
            {
                await Console.Error.WriteLineAsync($"Unknown benchmark '{name}'; choose from {string.Join(", ", benchmarks.Keys)}.");
                return 1;
            }

            Console.WriteLine($"{name}: {await run()}");
        }

        return 0;
    }

    private static string? Option(string[] args, string name) =>
        Array.IndexOf(args, name) is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}
