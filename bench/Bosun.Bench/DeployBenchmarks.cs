using System.Diagnostics;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Bench;

/// <summary>`bosun deploy` of examples/RepoInfo, and what a git pull step adds to each run of a process pool.</summary>
internal static class DeployBenchmarks
{
    private static string Root => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));

    /// <summary>Wall time of `bosun deploy` (the CLI process, `dotnet run` of the project, the deploy) of RepoInfo to a process pool.</summary>
    public static async Task<string> DeployRepoInfoAsync(int samples)
    {
        await using var server = await BenchServer.StartAsync();
        using var client = server.NewClient();
        await client.CreateWorkPoolAsync(new WorkPoolCreate("my-process-pool", "process"));
        var folder = Directory.CreateTempSubdirectory("bosun-bench-deploy").FullName;
        try
        {
            var yaml = Path.Combine(folder, "bosun.yaml");
            await File.WriteAllTextAsync(yaml, $"""
                deployments:
                  - name: my-first-deployment
                    flow: get-repo-info
                    project: {Path.Combine(Root, "examples", "RepoInfo")}
                    work_pool: {"{"} name: my-process-pool {"}"}
                    tags: [bench]
                """);
            var created = await DeployAsync(server, yaml, noBuild: true);
            var unchanged = new List<double>();
            for (var i = 0; i < samples; i++)
            {
                unchanged.Add(await DeployAsync(server, yaml, noBuild: true));
            }

            var built = await DeployAsync(server, yaml, noBuild: false);
            return $"create {created:0} ms; unchanged (--no-build) {new Stats(unchanged)}; with its incremental build {built:0} ms";
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Wall time of `bosun deploy` of RepoInfo to a docker pool: build on the local .NET runtime base image, a push step
    /// to the local registry (127.0.0.1:5055, the CI set-up's htpasswd user) and the registration. First with a new
    /// repository name (no layer of it in the registry, the base image's layers uploaded too), then unchanged.
    /// </summary>
    public static async Task<string> DeployDockerAsync(int samples)
    {
        await using var server = await BenchServer.StartAsync();
        using var client = server.NewClient();
        await client.CreateWorkPoolAsync(new WorkPoolCreate("my-docker-pool", "docker"));
        var folder = Directory.CreateTempSubdirectory("bosun-bench-deploy-docker").FullName;
        var repository = $"127.0.0.1:5055/bosun-bench/deploy-{Guid.NewGuid():N}"[..60];
        var environment = new Dictionary<string, string>
        {
            ["BOSUN_DOCKER_BASE_IMAGE"] = Environment.GetEnvironmentVariable("BOSUN_BENCH_IMAGE") is { Length: > 0 } image ? image : "bosun-test/dotnet-runtime:10.0",
            ["BOSUN_DOCKER_IMAGE_LABELS"] = "io.bosun.bench=true",
            ["BENCH_REGISTRY_USER"] = Environment.GetEnvironmentVariable("BOSUN_BENCH_REGISTRY_USER") ?? "bosun-test",
            ["BENCH_REGISTRY_PASSWORD"] = Environment.GetEnvironmentVariable("BOSUN_BENCH_REGISTRY_PASSWORD") ?? "bosun-test-password",
        };
        try
        {
            var yaml = Path.Combine(folder, "bosun.yaml");
            await File.WriteAllTextAsync(yaml, $$$"""
                deployments:
                  - name: in-docker
                    flow: get-repo-info
                    project: {{{Path.Combine(Root, "examples", "RepoInfo")}}}
                    work_pool: { name: my-docker-pool, job_variables: { image: "{{ push-image.image }}" } }
                    build: { id: build-image, image: {{{repository}}}, tag: bench }
                    push: { id: push-image, image: "{{ build-image.image }}", username: "{{ env.BENCH_REGISTRY_USER }}", password: "{{ env.BENCH_REGISTRY_PASSWORD }}" }
                """);
            var first = await DeployAsync(server, yaml, noBuild: true, environment);
            var again = new List<double>();
            for (var i = 0; i < samples; i++)
            {
                again.Add(await DeployAsync(server, yaml, noBuild: true, environment));
            }

            return $"new repository {first:0} ms; unchanged (layers cached, pushed again) {new Stats(again)}";
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
            using var rmi = Process.Start("docker", ["rmi", "-f", $"{repository}:bench"]);
            await rmi.WaitForExitAsync();
        }
    }

    private static async Task<double> DeployAsync(BenchServer server, string yaml, bool noBuild, Dictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(RunBenchmarks.Dotnet) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment ?? [])
        {
            info.Environment[name] = value;
        }

        foreach (var argument in new[] { BenchArtifacts.CliDll, "deploy", "--file", yaml, "-c", BenchArtifacts.Configuration, "--api-url", server.Server.ApiAddress.ToString() })
        {
            info.ArgumentList.Add(argument);
        }

        if (noBuild)
        {
            info.ArgumentList.Add("--no-build");
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var elapsed = stopwatch.Elapsed.TotalMilliseconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"bosun deploy failed: {await output}{await error}");
        }

        return elapsed;
    }

    /// <summary>
    /// Run created → COMPLETED of the trivial SDK flow on a process pool, with the executable at a path the worker knows
    /// (a) and cloned by a git pull step from a local bare repository before each run (b), alternating.
    /// </summary>
    public static async Task<string> PullStepOverheadAsync(int samples)
    {
        var folder = Directory.CreateTempSubdirectory("bosun-bench-pull").FullName;
        try
        {
            var bare = (await LocalGitRepository.CreateAsync(folder, Path.GetDirectoryName(RunBenchmarks.BenchFlowDll)!, "flow")).Bare;
            await using var server = await BenchServer.StartAsync();
            using var client = server.NewClient();
            await client.CreateWorkPoolAsync(new WorkPoolCreate("bench", "process"));
            var direct = await client.UpsertDeploymentAsync(new DeploymentUpsert("noop", "direct", $"'{RunBenchmarks.Dotnet}' '{RunBenchmarks.BenchFlowDll}'", WorkPoolName: "bench"));
            var pulled = await client.UpsertDeploymentAsync(new DeploymentUpsert("noop", "pulled", $"'{RunBenchmarks.Dotnet}' {Path.GetFileName(RunBenchmarks.BenchFlowDll)}", WorkPoolName: "bench")
            {
                PullSteps = [new System.Text.Json.Nodes.JsonObject { ["git_clone"] = new System.Text.Json.Nodes.JsonObject { ["repository"] = bare, ["branch"] = "main" } }],
            });
            using var host = await RunBenchmarks.StartWorkerAsync(server, "bench");
            var (plain, withPull) = (new List<double>(), new List<double>());
            for (var i = 0; i < samples + 2; i++)
            {
                var a = await RunAsync(client, direct.Id);
                var b = await RunAsync(client, pulled.Id);
                if (i >= 2)
                {
                    plain.Add(a);
                    withPull.Add(b);
                }
            }

            await host.StopAsync();
            var plainStats = new Stats(plain);
            var pullStats = new Stats(withPull);
            return $"no pull step: {plainStats}; git clone pull step: {pullStats}; per-run overhead of the median +{pullStats.Percentile(50) - plainStats.Percentile(50):0} ms";
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<double> RunAsync(Client.BosunClient client, Guid deploymentId)
    {
        var stopwatch = Stopwatch.StartNew();
        var run = await client.CreateFlowRunAsync(deploymentId, new FlowRunCreate());
        FlowRun current;
        while (!(current = await client.GetFlowRunAsync(run.Id)).State.Type.IsTerminal())
        {
            await Task.Delay(2);
        }

        return current.State.Type == StateType.Completed
            ? stopwatch.Elapsed.TotalMilliseconds
            : throw new InvalidOperationException($"run ended {current.State.Type}: {current.State.Message}");
    }
}
