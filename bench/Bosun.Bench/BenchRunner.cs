namespace Bosun.Bench;

/// <summary>`dotnet run -c Release --project bench/Bosun.Bench -- [name...]`; no names runs them all.</summary>
internal static class BenchRunner
{
    public static async Task<int> RunAsync(string[] args)
    {
        var benchmarks = new Dictionary<string, Func<Task<string>>>(StringComparer.OrdinalIgnoreCase)
        {
            ["claim-throughput"] = () => ServerBenchmarks.ClaimThroughputAsync(runs: 10_000, clients: 8),
            ["claim-latency"] = () => ServerBenchmarks.ClaimLatencyAsync(stored: 100_000, samples: 2000),
            ["wake-latency"] = () => ServerBenchmarks.WakeUpLatencyAsync(samples: 200),
            ["process-overhead"] = () => RunBenchmarks.ProcessOverheadAsync(samples: 30),
            ["process-run"] = () => RunBenchmarks.ProcessRunLatencyAsync(samples: 30),
            ["worker-memory"] = RunBenchmarks.WorkerMemoryAsync,
            ["serve-throughput"] = () => RunBenchmarks.ServeThroughputAsync(runs: 2000),
            ["pg-throughput-1"] = () => PostgresBenchmarks.ThroughputAsync(replicas: 1, runs: 10_000, clients: 8),
            ["pg-throughput-2"] = () => PostgresBenchmarks.ThroughputAsync(replicas: 2, runs: 10_000, clients: 8),
            ["pg-claim-latency"] = () => PostgresBenchmarks.ClaimLatencyAsync(stored: 1_000_000, samples: 2000),
            ["docker-run-overhead"] = () => DockerBenchmarks.RunOverheadAsync(runs: 30),
            ["docker-image-build"] = () => DockerBenchmarks.ImageBuildAsync(cachedSamples: 5),
            ["outage-complete"] = () => OutageBenchmarks.CompleteAcrossOutageAsync(samples: 3, outage: TimeSpan.FromSeconds(60)),
            ["stuck-run-recovery"] = RecoveryBenchmarks.StuckRunRecoveryAsync,
            ["tasks"] = () => TaskBenchmarks.TasksAsync(tasks: 1000, samples: 50),
        };
        var selected = args.Length == 0 ? benchmarks.Keys.ToList() : args.ToList();
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
}
