using System.Diagnostics;
using System.Text.Json.Nodes;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Contracts.Templates;
using Bosun.Contracts.WorkPools;
using Bosun.Kubernetes.Emulator;
using Bosun.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bosun.Bench;

/// <summary>
/// The Kubernetes issue's benchmarks, against the Kubernetes API emulator of tests/Bosun.Kubernetes.Emulator (its node
/// runs each pod as a container on the local dockerd, so a run's container work is the same as the docker worker's).
/// Needs dockerd and the local base image (scripts/ci-setup/20-docker.sh).
/// </summary>
internal static class KubernetesBenchmarks
{
    private const string Image = "bosun-test/dotnet-runtime:10.0";
    private const string Report = """wget -q -O /dev/null --header 'Content-Type: application/json' --post-data '{"type":"STATE"}' "$BOSUN_API_URL/flow_runs/$BOSUN_FLOW_RUN_ID/set_state" """;
    private static readonly Dictionary<string, string> BenchLabels = new() { ["io.bosun.bench"] = "true" };

    private static string Command(string script) => $"sh -c '{script.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    private static string Propose(string state) => Report.Replace("STATE", state, StringComparison.Ordinal);

    /// <summary>
    /// Per-run time, alternating, <paramref name="runs"/> times each after 2 warm-ups: a run on a kubernetes pool (the
    /// worker creates the Job through the emulator, follows the pod, streams its log, reports) and the same run on a
    /// docker pool (the docker worker creates the container itself), both from creation until the worker has let go of
    /// a COMPLETED run. Same image, same command (report RUNNING and COMPLETED with wget).
    /// </summary>
    public static async Task<string> RunOverheadAsync(int runs)
    {
        await using var server = await BenchServer.StartAsync();
        await using var emulator = await KubernetesEmulator.StartAsync(new EmulatedNodeOptions(BenchLabels));
        var folder = Path.Combine(Path.GetTempPath(), $"bosun-bench-k8s-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        using var client = server.NewClient();
        var command = Command($"{Propose("RUNNING")} && {Propose("COMPLETED")}");
        var template = DefaultJobTemplates.For(WorkPoolTypes.Kubernetes);
        template["variables"]!["properties"]!["cluster_config"]!["default"] = emulator.WriteKubeconfig(folder);
        await client.CreateWorkPoolAsync(new WorkPoolCreate("bench-k8s", WorkPoolTypes.Kubernetes, BaseJobTemplate: template));
        await client.CreateWorkPoolAsync(new WorkPoolCreate("bench-docker", WorkPoolTypes.Docker));
        var labels = new JsonObject { ["io.bosun.bench"] = "true" };
        var viaKubernetes = await client.UpsertDeploymentAsync(new DeploymentUpsert("bench", "k8s", "unused", WorkPoolName: "bench-k8s",
            JobVariables: new JsonObject { ["image"] = Image, ["image_pull_policy"] = "Never", ["command"] = command }));
        var viaDocker = await client.UpsertDeploymentAsync(new DeploymentUpsert("bench", "docker", "unused", WorkPoolName: "bench-docker",
            JobVariables: new JsonObject { ["image"] = Image, ["image_pull_policy"] = "Never", ["command"] = command, ["auto_remove"] = true, ["labels"] = labels }));
        var (kubernetesHost, kubernetesWorker) = await StartWorkerAsync(server, "bench-k8s", WorkPoolTypes.Kubernetes);
        var (dockerHost, dockerWorker) = await StartWorkerAsync(server, "bench-docker", WorkPoolTypes.Docker);
        var kubernetesSamples = new List<double>();
        var dockerSamples = new List<double>();
        try
        {
            for (var i = 0; i < runs + 2; i++)
            {
                var k = await DockerBenchmarks.WorkerRunAsync(client, kubernetesWorker, viaKubernetes);
                var d = await DockerBenchmarks.WorkerRunAsync(client, dockerWorker, viaDocker);
                if (i >= 2)
                {
                    kubernetesSamples.Add(k);
                    dockerSamples.Add(d);
                }
            }
        }
        finally
        {
            await kubernetesHost.StopAsync();
            await dockerHost.StopAsync();
            kubernetesHost.Dispose();
            dockerHost.Dispose();
            Directory.Delete(folder, recursive: true);
        }

        var k8sStats = new Stats(kubernetesSamples);
        var dockerStats = new Stats(dockerSamples);
        return $"kubernetes worker via the emulator {k8sStats}; docker worker {dockerStats}; ratio of medians {k8sStats.Percentile(50) / dockerStats.Percentile(50):0.00}x";
    }

    /// <summary>
    /// A kubernetes worker as its own process (`bosun worker start --type kubernetes`): resident memory idle, then with
    /// <paramref name="jobs"/> runs in flight, each a Job whose pod waits (a wget loop) while the worker watches its pod
    /// and events and follows its log.
    /// </summary>
    public static async Task<string> WorkerMemoryAsync(int jobs)
    {
        await using var server = await BenchServer.StartAsync();
        await using var emulator = await KubernetesEmulator.StartAsync(new EmulatedNodeOptions(BenchLabels, Cpu: "64", Memory: "64Gi"));
        var folder = Path.Combine(Path.GetTempPath(), $"bosun-bench-k8s-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        using var client = server.NewClient();
        await client.CreateWorkPoolAsync(new WorkPoolCreate("mem-k8s", WorkPoolTypes.Kubernetes));
        // Each pod reports RUNNING, prints a line, then waits until its Job is deleted (the runs are cancelled at the end).
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("bench", "mem", "unused", WorkPoolName: "mem-k8s",
            JobVariables: new JsonObject
            {
                ["image"] = Image, ["image_pull_policy"] = "Never", ["memory_limit"] = "16Mi",
                ["command"] = Command($"trap \"exit 143\" TERM; {Propose("RUNNING")}; echo started; while true; do sleep 1; done & wait"),
            }));
        var info = new ProcessStartInfo(RunBenchmarks.Dotnet) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { BenchArtifacts.CliDll, "worker", "start", "--pool", "mem-k8s", "--type", "kubernetes", "--api-url", server.Server.ApiAddress.ToString() })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["KUBECONFIG"] = emulator.WriteKubeconfig(folder);
        using var worker = Process.Start(info)!;
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();
        var runs = new List<Guid>();
        try
        {
            while ((await client.ListWorkersAsync("mem-k8s")).Count == 0)
            {
                await Task.Delay(50);
            }

            await Task.Delay(3000);
            var idle = ResidentMemory.MiB(worker.Id);
            for (var i = 0; i < jobs; i++)
            {
                runs.Add((await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate())).Id);
            }

            // Watched: every pod running and its first output line streamed into the run's logs.
            var watch = Stopwatch.StartNew();
            foreach (var id in runs)
            {
                while (!(await client.ReadLogsAsync(id)).Items.Any(l => l is { Source: LogSource.Infrastructure, Message: "started" }))
                {
                    await Task.Delay(100);
                }
            }

            var allRunning = watch.Elapsed;
            await Task.Delay(3000);
            var busy = ResidentMemory.MiB(worker.Id);
            return $"kubernetes worker resident memory: idle {idle:0.0} MB, with {jobs} Jobs watched (pod, events, log each) {busy:0.0} MB " +
                $"({(busy - idle) / jobs:0.00} MB per Job); all {jobs} pods running and streaming after {allRunning.TotalSeconds:0.0} s";
        }
        finally
        {
            foreach (var id in runs)
            {
                await client.CancelFlowRunAsync(id);
            }

            foreach (var id in runs)
            {
                while (!(await client.GetFlowRunAsync(id)).State.Type.IsTerminal())
                {
                    await Task.Delay(100);
                }
            }

            worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<(IHost Host, BosunWorker Worker)> StartWorkerAsync(BenchServer server, string poolName, string type)
    {
        var options = new WorkerOptions { PoolName = poolName, Type = type, Name = $"bench-{type}", ClaimWait = TimeSpan.FromSeconds(20) };
        var workerClient = server.NewClient();
        using var loggers = LoggerFactory.Create(_ => { });
        var pool = await WorkerBootstrap.PreparePoolAsync(workerClient, options, loggers.CreateLogger("bench"), TimeProvider.System);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddBosunWorker(options, pool, workerClient);
        var host = builder.Build();
        await host.StartAsync();
        return (host, host.Services.GetServices<IHostedService>().OfType<BosunWorker>().Single());
    }
}
