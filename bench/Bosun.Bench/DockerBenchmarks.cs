using System.Diagnostics;
using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Sdk;
using Bosun.Sdk.Images;
using Bosun.Worker;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bosun.Bench;

/// <summary>
/// The Docker issue's benchmarks: a docker worker's per-run overhead against a bare `docker run --rm --network host`
/// of the same image and command, and the build time of the tutorial's image. Needs dockerd and the local base image
/// (scripts/ci-setup/20-docker.sh); nothing is pulled.
/// </summary>
internal static class DockerBenchmarks
{
    private const string BenchLabel = "io.bosun.bench";

    /// <summary>The image both sides run (default: the local base image the setup script makes).</summary>
    private static string Image => Environment.GetEnvironmentVariable("BOSUN_BENCH_IMAGE") is { Length: > 0 } image ? image : "bosun-test/dotnet-runtime:10.0";

    /// <summary>
    /// One sample each, alternating, <paramref name="runs"/> times (after 2 warm-ups): (a) a run created for a docker
    /// pool, until its worker has claimed it, made, started and waited for its container, and the run is COMPLETED;
    /// (b) `docker run --rm --network host` of the same image and command for a run claimed beforehand. The command
    /// reports RUNNING and COMPLETED to the API with wget, as a flow-run process does.
    /// </summary>
    public static async Task<string> RunOverheadAsync(int runs)
    {
        await using var server = await BenchServer.StartAsync();
        using var client = server.NewClient();
        var api = server.Server.ApiAddress.ToString().TrimEnd('/');
        const string script = """wget -q -O /dev/null --header 'Content-Type: application/json' --post-data '{"type":"RUNNING"}' "$BOSUN_API_URL/flow_runs/$BOSUN_FLOW_RUN_ID/set_state" && wget -q -O /dev/null --header 'Content-Type: application/json' --post-data '{"type":"COMPLETED"}' "$BOSUN_API_URL/flow_runs/$BOSUN_FLOW_RUN_ID/set_state" """;
        await client.CreateWorkPoolAsync(new WorkPoolCreate("bench-docker", WorkPoolTypes.Docker));
        await client.CreateWorkPoolAsync(new WorkPoolCreate("bench-bare", WorkPoolTypes.Docker));
        var viaWorker = await client.UpsertDeploymentAsync(new DeploymentUpsert("bench", "docker-worker", "unused", WorkPoolName: "bench-docker",
            JobVariables: new JsonObject
            {
                ["image"] = Image,
                ["command"] = $"sh -c '{script.Replace("'", "'\\''", StringComparison.Ordinal)}'",
                ["auto_remove"] = true,
                ["labels"] = new JsonObject { [BenchLabel] = "true" },
            }));
        var bare = await client.UpsertDeploymentAsync(new DeploymentUpsert("bench", "bare-docker-run", "unused", WorkPoolName: "bench-bare"));

        var options = new WorkerOptions { PoolName = "bench-docker", Type = WorkPoolTypes.Docker, Name = "bench-worker", ClaimWait = TimeSpan.FromSeconds(20) };
        using var workerClient = server.NewClient();
        using var loggers = LoggerFactory.Create(_ => { });
        var pool = await WorkerBootstrap.PreparePoolAsync(workerClient, options, loggers.CreateLogger("bench"), TimeProvider.System);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddBosunWorker(options, pool, workerClient);
        using var host = builder.Build();
        await host.StartAsync();
        var worker = host.Services.GetServices<IHostedService>().OfType<BosunWorker>().Single();

        var workerSamples = new List<double>();
        var bareSamples = new List<double>();
        for (var i = 0; i < runs + 2; i++)
        {
            var a = await WorkerRunAsync(client, worker, viaWorker);
            var b = await BareRunAsync(client, bare, api, script);
            if (i >= 2)
            {
                workerSamples.Add(a);
                bareSamples.Add(b);
            }
        }

        await host.StopAsync();
        var viaWorkerStats = new Stats(workerSamples);
        var bareStats = new Stats(bareSamples);
        return $"worker {viaWorkerStats}; bare docker run {bareStats}; ratio of medians {viaWorkerStats.Percentile(50) / bareStats.Percentile(50):0.00}x (target <= 1.3x)";
    }

    internal static async Task<double> WorkerRunAsync(BosunClient client, BosunWorker worker, Deployment deployment)
    {
        var stopwatch = Stopwatch.StartNew();
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        // Claimed (the worker counts it) ... then released once the container has exited and the outcome is handled.
        while (worker.RunningCount == 0)
        {
            await Task.Delay(1);
        }

        while (worker.RunningCount > 0)
        {
            await Task.Delay(1);
        }

        var elapsed = stopwatch.Elapsed.TotalMilliseconds;
        var state = (await client.GetFlowRunAsync(run.Id)).State;
        return state.Type == StateType.Completed ? elapsed : throw new InvalidOperationException($"the worker's run ended {state.Type}: {state.Message}");
    }

    private static async Task<double> BareRunAsync(BosunClient client, Deployment deployment, string api, string script)
    {
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var claimed = await client.ClaimFlowRunsAsync("bench-bare", new ClaimRequest("bench-bare-claimer", 1));
        if (claimed.Runs.Count != 1)
        {
            throw new InvalidOperationException("the bare run was not claimed");
        }

        var info = new ProcessStartInfo("docker") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["run", "--rm", "--network", "host", "--label", $"{BenchLabel}=true",
            "-e", $"BOSUN_API_URL={api}", "-e", $"BOSUN_FLOW_RUN_ID={run.Id}", Image, "sh", "-c", script])
        {
            info.ArgumentList.Add(argument);
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var elapsed = stopwatch.Elapsed.TotalMilliseconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"docker run exited {process.ExitCode}: {await output}{await errors}");
        }

        var state = (await client.GetFlowRunAsync(run.Id)).State;
        return state.Type == StateType.Completed ? elapsed : throw new InvalidOperationException($"the bare run ended {state.Type}");
    }

    /// <summary>
    /// The tutorial's image (examples/RepoInfo, generated Dockerfile, the local base image): once cold (no image of
    /// that name, so no layer of it cached; the project's own build as the developer left it), then
    /// <paramref name="cachedSamples"/> times again unchanged (publish up to date, every layer cached).
    /// </summary>
    public static async Task<string> ImageBuildAsync(int cachedSamples)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ImageBuilds.BaseImageVariable)))
        {
            Environment.SetEnvironmentVariable(ImageBuilds.BaseImageVariable, Image);
        }

        Environment.SetEnvironmentVariable(ImageBuilds.ImageLabelsVariable, $"{BenchLabel}=true");
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Bosun.slnx")))
        {
            root = Path.GetDirectoryName(root.TrimEnd('/')) ?? throw new DirectoryNotFoundException("Bosun.slnx not found above the benchmark");
        }

        var project = ProjectDirectory.Find("RepoInfo", [Path.Combine(root, "examples", "RepoInfo")]);
        var image = new DeploymentImage("bosun-bench/repo-info", "bench");
        using var configuration = new DockerClientConfiguration(new Uri("unix:///var/run/docker.sock"));
        using var docker = configuration.CreateClient();
        await RemoveAsync(docker, image.Reference);

        var stopwatch = Stopwatch.StartNew();
        await ImageBuilds.BuildAsync(image, push: false, project, TextWriter.Null, CancellationToken.None);
        var cold = stopwatch.Elapsed.TotalMilliseconds;
        var cached = new List<double>();
        for (var i = 0; i < cachedSamples; i++)
        {
            stopwatch.Restart();
            await ImageBuilds.BuildAsync(image, push: false, project, TextWriter.Null, CancellationToken.None);
            cached.Add(stopwatch.Elapsed.TotalMilliseconds);
        }

        await RemoveAsync(docker, image.Reference);
        return $"cold {cold / 1000:0.00} s; cached {new Stats(cached)}";
    }

    private static async Task RemoveAsync(DockerClient docker, string reference)
    {
        try
        {
            await docker.Images.DeleteImageAsync(reference, new ImageDeleteParameters { Force = true });
        }
        catch (DockerApiException)
        {
            // Not there.
        }
    }
}
