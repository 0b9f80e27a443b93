using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Testing;
using Bosun.Worker;

namespace Bosun.Docker.Tests;

/// <summary>
/// examples/RepoInfo/bosun.yaml as a user runs it: `bosun deploy --all` against a real server deploys its three
/// deployments (two on a process pool with the file's git pull steps, one built into an image and pushed to the local
/// htpasswd registry), then a process worker clones this repository's sources from a private git server over HTTP (git
/// http-backend behind Basic authentication, the token a Bosun secret), publishes the example from them and runs it.
/// The file is used as it is but for where the repository and the registry are, the clone's credentials and each
/// deployment's project folder (the copy is not beside the project).
/// </summary>
public sealed partial class ExampleDeployFileTests
{
    /// <summary>What `dotnet publish examples/RepoInfo` needs of this repository.</summary>
    private static readonly string[] ExampleSources =
    [
        ".editorconfig", "BannedSymbols.txt", "Directory.Build.props", "Directory.Packages.props", "global.json",
        "src/Directory.Build.props", "src/Directory.Build.targets", "src/Shared",
        "src/Bosun.Contracts", "src/Bosun.Client", "src/Bosun.Worker", "src/Bosun.Sdk", "examples/RepoInfo",
    ];

    private static string RepoInfoFolder => Path.Combine(RepoPaths.Root, "examples", "RepoInfo");

    [SkippableFact]
    public async Task Example_DeployAll_ProcessWorkerClonesPrivateRepositoryOverHttp_PublishesAndCompletes()
    {
        await using var docker = await DockerTest.StartAsync(needsRegistry: true);
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("my-process-pool");
        await client.PoolAsync("my-docker-pool", "docker");
        var token = $"git-tok-{Guid.NewGuid():N}";
        await client.SetSecretAsync("git-token", token);
        using var github = new StubHttpServer(new() { ["/repos/dotnet/runtime"] = """{"stargazers_count": 15004, "forks_count": 4704}""" });
        var folder = TempDirectory.Create("bosun-example-yaml");
        var repository = await LocalGitRepository.CreateFromRepositoryAsync(folder, RepoPaths.Root, ExampleSources, "bosun");
        using var git = new GitHttpServer(folder, "x-access-token", token);
        var url = $"{git.BaseUrl}/bosun.git";
        var imageName = $"{DockerTestEnvironment.Registry}/{docker.ImageName("repo-info")}";

        var example = await File.ReadAllTextAsync(Path.Combine(RepoInfoFolder, "bosun.yaml"));
        Assert.Contains("repository: https://git.example.com/you/bosun.git\n      branch: main\n", example, StringComparison.Ordinal);
        Assert.Contains("image: 127.0.0.1:5055/repo-info\n", example, StringComparison.Ordinal);
        var yaml = Path.Combine(folder, "bosun.yaml");
        await File.WriteAllTextAsync(yaml, DeploymentName().Replace(
            example
                .Replace("repository: https://git.example.com/you/bosun.git\n      branch: main\n",
                    $"repository: {url}\n      branch: main\n      credentials: \"{{{{ secret.git-token }}}}\"\n", StringComparison.Ordinal)
                .Replace("image: 127.0.0.1:5055/repo-info\n", $"image: {imageName}\n", StringComparison.Ordinal),
            $"$1\n    project: {RepoInfoFolder}"));
        var environment = new Dictionary<string, string?>
        {
            ["BOSUN_API_URL"] = server.ApiUrl.ToString(),
            ["BOSUN_FLOW_RUN_ID"] = null,
            ["BOSUN_DOCKER_BASE_IMAGE"] = DockerTestEnvironment.BaseImage,
            ["BOSUN_DOCKER_IMAGE_LABELS"] = docker.ImageLabelsVariable,
            ["BOSUN_REGISTRY_USERNAME"] = DockerTestEnvironment.RegistryUser,
            ["BOSUN_REGISTRY_PASSWORD"] = DockerTestEnvironment.RegistryPassword,
            ["DOCKER_CONFIG"] = Path.Combine(folder, "no-docker-config"),
        };

        string output;
        await using (var cli = ChildProcess.StartCli(["deploy", "--all", "--file", yaml, "--no-build", "--configuration", RepoPaths.Configuration], environment))
        {
            var code = await cli.WaitForExitAsync(TimeSpan.FromMinutes(6));
            output = cli.OutputText;
            Assert.True(code == 0, $"bosun deploy --all exited {code}:\n{output}");
        }

        Assert.Contains("Created deployment 'get-repo-info/my-first-deployment' on work pool 'my-process-pool'.", output, StringComparison.Ordinal);
        Assert.Contains("Created deployment 'get-repo-info/nightly' on work pool 'my-process-pool'.", output, StringComparison.Ordinal);
        Assert.Contains("Created deployment 'get-repo-info/in-docker' on work pool 'my-docker-pool'.", output, StringComparison.Ordinal);
        Assert.Contains($"Pushed image '{imageName}:tutorial' to {DockerTestEnvironment.Registry}.", output, StringComparison.Ordinal);
        var deployment = await client.GetDeploymentByNameAsync("get-repo-info/my-first-deployment");
        Assert.Equal("dotnet {{ publish.dll }}", deployment.Entrypoint);
        Assert.Equal(3, deployment.PullSteps!.Count);
        Assert.Single((await client.GetDeploymentByNameAsync("get-repo-info/nightly")).Schedules);

        // The worker runs the pull steps in the run's own temporary folder: everything the run starts comes from the clone.
        await using var worker = await TestWorker.StartAsync(server, new WorkerOptions
        {
            PoolName = "my-process-pool",
            Type = "process",
            Name = "example-worker",
            ClaimWait = TimeSpan.FromSeconds(5),
        });
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["repoName"] = "dotnet/runtime", ["apiUrl"] = github.BaseUrl }));
        // The clone is published from source on a loaded machine: minutes.
        var done = await Eventually.ValueAsync(() => client.GetFlowRunAsync(run.Id), r => r.State.Type.IsTerminal(), $"run {run.Id} finished", TimeSpan.FromMinutes(9));

        Assert.True(done.State.Type == StateType.Completed, $"{done.State.Type}: {done.State.Message}\n{(await client.LogsAsync(run.Id)).Text()}");
        var logs = await client.LogsContainingAsync(run.Id, "Forks 🍴 : 4704");
        var head = await repository.HeadAsync();
        Assert.Contains(logs, l => l is { Source: LogSource.Worker } && l.Message == $"Cloned {url} at commit {head}.");
        Assert.Contains(logs, l => l.Message == "Pull step 'publish' (dotnet_publish): done.");
        Assert.Contains(logs, l => l is { Source: LogSource.Flow, Message: "Stars 🌠 : 15004" });
        Assert.Contains(git.Requests, r => r is { Request: "POST /bosun.git/git-upload-pack", Authorized: true });
        Assert.DoesNotContain(git.Requests, r => !r.Authorized);
        Assert.DoesNotContain(logs, l => l.Message.Contains(token, StringComparison.Ordinal));
        TempDirectory.Delete(folder);
    }

    [GeneratedRegex(@"^(  - name: .*)$", RegexOptions.Multiline)]
    private static partial Regex DeploymentName();
}
