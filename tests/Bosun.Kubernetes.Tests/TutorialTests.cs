using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Docker.Tests;
using Bosun.Testing;

namespace Bosun.Kubernetes.Tests;

/// <summary>
/// The README's tutorial with `--type kubernetes`, as a user types it: create the pool, start a worker (with KUBECONFIG
/// pointing at the emulator), deploy examples/RepoInfo with an image built from the project on the local runtime base
/// image, run it with a parameter and watch it. GitHub is a stub on 127.0.0.1; the pod reaches it and the API through
/// the host network.
/// </summary>
public sealed class TutorialTests
{
    private const string Pool = "my-k8s-pool";
    private const string DeploymentName = "get-repo-info/my-first-deployment";

    [SkippableFact]
    public async Task Tutorial_KubernetesPool_CliPoolWorkerDeployAndWatchedRunCompletedWithStatistics()
    {
        await using var k8s = await KubernetesTest.StartAsync();
        using var github = new StubHttpServer(new() { ["/repos/dotnet/runtime"] = """{"stargazers_count": 15001, "forks_count": 4702}""" });
        var image = $"{k8s.Docker.ImageName("my-first-deployment-image")}:tutorial";
        var cli = new Dictionary<string, string?> { ["BOSUN_API_URL"] = k8s.Server.ApiUrl.ToString(), ["KUBECONFIG"] = k8s.Kubeconfig };

        await RunAsync(["work-pool", "create", "--type", "kubernetes", Pool], cli);
        await using (var deploy = ChildProcess.Start("dotnet",
            [RepoPaths.BuiltDll("examples/RepoInfo", "RepoInfo"), "deploy", "--pool", Pool, "--image", image, "--pull-policy", "Never"],
            new Dictionary<string, string?>
            {
                ["BOSUN_API_URL"] = k8s.Server.ApiUrl.ToString(),
                ["BOSUN_FLOW_RUN_ID"] = null,
                ["BOSUN_DOCKER_BASE_IMAGE"] = DockerTestEnvironment.BaseImage,
                ["BOSUN_DOCKER_IMAGE_LABELS"] = k8s.Docker.ImageLabelsVariable,
                ["DOCKER_CONFIG"] = Path.Combine(k8s.Server.Directory, "no-docker-config"),
            }))
        {
            var code = await deploy.WaitForExitAsync(TimeSpan.FromMinutes(5));
            Assert.True(code == 0, $"RepoInfo deploy exited {code}:\n{deploy.OutputText}");
        }

        await using var worker = ChildProcess.StartCli(["worker", "start", "--pool", Pool, "--type", "kubernetes"], cli);
        await worker.WaitForLineAsync("started!");
        await using var run = ChildProcess.StartCli(
            ["deployment", "run", DeploymentName, "--param", "repoName=dotnet/runtime", "--param", $"apiUrl={github.BaseUrl}", "--watch"], cli);
        var watched = await run.WaitForExitAsync(TimeSpan.FromMinutes(3));

        Assert.True(watched == 0, $"deployment run --watch exited {watched}:\n{run.OutputText}\nworker:\n{worker.OutputText}");
        var deployment = await k8s.Client.GetDeploymentByNameAsync(DeploymentName);
        var done = Assert.Single((await k8s.Client.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: deployment.Id))).Items);
        Assert.Equal(StateType.Completed, done.State.Type);
        var logs = await k8s.Client.LogsContainingAsync(done.Id, "Forks 🍴 : 4702");
        Assert.Contains(logs, l => l is { Message: "Stars 🌠 : 15001", Source: LogSource.Flow });
        Assert.Contains(logs, l => l.Source == LogSource.Worker && l.Message.StartsWith("Created Job default/", StringComparison.Ordinal));
        Assert.Contains("/repos/dotnet/runtime", github.Requests);
        // The flow reports COMPLETED itself, before its container exits and the Job controller marks the Job.
        var infrastructure = (await k8s.Client.GetFlowRunAsync(done.Id)).InfrastructureId!;
        var job = (await Eventually.ValueAsync(() => Task.FromResult(k8s.Job(infrastructure)),
            j => j?["status"]?["conditions"] is JsonArray { Count: > 0 }, "the Job was marked Complete"))!;
        Assert.Equal(image, job["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.Equal("True", job["status"]!["conditions"]![0]!["status"]!.GetValue<string>());
        Assert.Equal("Complete", job["status"]!["conditions"]![0]!["type"]!.GetValue<string>());
    }

    private static async Task RunAsync(string[] arguments, Dictionary<string, string?> environment)
    {
        await using var cli = ChildProcess.StartCli(arguments, environment);
        var code = await cli.WaitForExitAsync(TimeSpan.FromMinutes(1));
        Assert.True(code == 0, $"bosun {string.Join(' ', arguments)} exited {code}:\n{cli.OutputText}");
    }
}
