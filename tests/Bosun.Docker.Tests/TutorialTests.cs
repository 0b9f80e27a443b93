using System.Text;
using System.Text.Json.Nodes;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Testing;
using Docker.DotNet.Models;

namespace Bosun.Docker.Tests;

/// <summary>
/// The tutorial with a docker pool, as a user types it: create the pool, start a worker, deploy examples/RepoInfo with
/// an image built from the project (the built RepoInfo executable, as `dotnet run -- deploy` would), run it with a
/// parameter. GitHub is a stub server on 127.0.0.1; the containers reach it and the API through network mode host.
/// </summary>
public sealed class TutorialTests
{
    private const string Pool = "my-docker-pool";
    private const string DeploymentName = "get-repo-info/my-first-deployment";

    private static string RepoInfoDll => RepoPaths.BuiltDll("examples/RepoInfo", "RepoInfo");

    private static string RepoInfoFolder => Path.Combine(RepoPaths.Root, "examples", "RepoInfo");

    private static StubHttpServer GitHub() => new(new() { ["/repos/dotnet/runtime"] = """{"stargazers_count": 15001, "forks_count": 4702}""" });

    private static Dictionary<string, string?> CliEnv(TestServer server) => new() { ["BOSUN_API_URL"] = server.ApiUrl.ToString() };

    /// <summary>`RepoInfo deploy --pool my-docker-pool ...` with the local base image; returns its output, failing on a non-zero exit.</summary>
    private static async Task<string> DeployAsync(TestServer server, DockerTest docker, IEnumerable<string> arguments, Dictionary<string, string?>? environment = null)
    {
        var env = new Dictionary<string, string?>
        {
            ["BOSUN_API_URL"] = server.ApiUrl.ToString(),
            ["BOSUN_FLOW_RUN_ID"] = null,
            ["BOSUN_DOCKER_BASE_IMAGE"] = DockerTestEnvironment.BaseImage,
            ["BOSUN_DOCKER_IMAGE_LABELS"] = docker.ImageLabelsVariable,
            ["BOSUN_REGISTRY_USERNAME"] = null,
            ["BOSUN_REGISTRY_PASSWORD"] = null,
            ["DOCKER_CONFIG"] = Path.Combine(server.Directory, "no-docker-config"),
        };
        foreach (var (name, value) in environment ?? [])
        {
            env[name] = value;
        }

        await using var process = ChildProcess.Start("dotnet", [RepoInfoDll, "deploy", "--pool", Pool, .. arguments], env);
        var code = await process.WaitForExitAsync(TimeSpan.FromMinutes(5));
        Assert.True(code == 0, $"RepoInfo deploy exited {code}:\n{process.OutputText}");
        return process.OutputText;
    }

    private static async Task<int> RunCliAsync(TestServer server, params string[] arguments)
    {
        await using var cli = ChildProcess.StartCli(arguments, CliEnv(server));
        var code = await cli.WaitForExitAsync(TimeSpan.FromMinutes(3));
        Assert.True(code == 0, $"bosun {string.Join(' ', arguments)} exited {code}:\n{cli.OutputText}");
        return code;
    }

    private static void AssertStatistics(IReadOnlyList<LogEntry> logs)
    {
        Assert.Contains(logs, l => l is { Message: "dotnet/runtime repository statistics 🤓:", Source: LogSource.Flow });
        Assert.Contains(logs, l => l is { Message: "Stars 🌠 : 15001", Source: LogSource.Flow });
        Assert.Contains(logs, l => l is { Message: "Forks 🍴 : 4702", Source: LogSource.Flow });
    }

    [SkippableFact]
    public async Task Tutorial_CliPoolAndWorker_GeneratedImagePullPolicyNever_CompletedWithStatistics()
    {
        await using var docker = await DockerTest.StartAsync();
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        using var github = GitHub();
        var image = $"{docker.ImageName("my-first-deployment-image")}:tutorial";

        await RunCliAsync(server, "work-pool", "create", "--type", "docker", Pool);
        var poolBefore = await client.GetWorkPoolAsync(Pool);
        var output = await DeployAsync(server, docker, ["--image", image, "--pull-policy", "Never"]);

        Assert.Contains($"Building image '{image}' from the .NET project in {RepoInfoFolder} (RepoInfo.csproj).", output, StringComparison.Ordinal);
        Assert.Contains($"Generated Dockerfile: RepoInfo.dll on {DockerTestEnvironment.BaseImage} (from BOSUN_DOCKER_BASE_IMAGE).", output, StringComparison.Ordinal);
        Assert.Contains($"Built image '{image}'.", output, StringComparison.Ordinal);
        Assert.Contains("Not pushed (push: false): the image exists only in this machine's Docker daemon", output, StringComparison.Ordinal);
        var built = await docker.Docker.Images.InspectImageAsync(image);
        Assert.Equal(["dotnet", "/app/RepoInfo.dll"], built.Config.Entrypoint);
        Assert.Equal("RepoInfo", built.Config.Labels["io.bosun.project"]);

        var deployment = await client.GetDeploymentByNameAsync(DeploymentName);
        Assert.Equal(image, deployment.JobVariables["image"]!.GetValue<string>());
        Assert.Equal("Never", deployment.JobVariables["image_pull_policy"]!.GetValue<string>());
        var poolAfter = await client.GetWorkPoolAsync(Pool);
        Assert.True(JsonNode.DeepEquals(poolBefore.BaseJobTemplate, poolAfter.BaseJobTemplate), "the deploy changed the pool's base job template");
        Assert.Null(poolAfter.BaseJobTemplate["variables"]!["properties"]!["image_pull_policy"]!["default"]);

        await using var worker = ChildProcess.StartCli(["worker", "start", "--pool", Pool], CliEnv(server));
        await worker.WaitForLineAsync("started!");
        await using var run = ChildProcess.StartCli(
            ["deployment", "run", DeploymentName, "--param", "repoName=dotnet/runtime", "--param", $"apiUrl={github.BaseUrl}",
             "--job-variable", $"labels={docker.LabelsVariable.ToJsonString()}", "--watch"],
            CliEnv(server));
        var watched = await run.WaitForExitAsync(TimeSpan.FromMinutes(3));

        Assert.True(watched == 0, $"deployment run --watch exited {watched}:\n{run.OutputText}\nworker:\n{worker.OutputText}");
        var done = Assert.Single((await client.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: deployment.Id))).Items);
        Assert.Equal(StateType.Completed, done.State.Type);
        AssertStatistics(await client.LogsContainingAsync(done.Id, "Forks 🍴 : 4702"));
        Assert.Contains("/repos/dotnet/runtime", github.Requests);
        var container = (await docker.InspectAsync((await client.GetFlowRunAsync(done.Id)).InfrastructureId!))!;
        Assert.Equal(image, container.Config.Image);
        Assert.Equal("host", container.HostConfig.NetworkMode);
        Assert.Equal(done.Id.ToString(), container.Config.Labels["io.bosun.flow-run-id"]);
    }

    [SkippableFact]
    public async Task Tutorial_CustomDockerfile_UsedAsItIsAndRunCompletes()
    {
        await using var docker = await DockerTest.StartAsync();
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        using var github = GitHub();
        await client.PoolAsync(Pool, "docker");
        var image = $"{docker.ImageName("custom-dockerfile")}:tutorial";
        // The user's Dockerfile, outside the project: the project folder is still the context (its build output here;
        // a real one would usually build in an SDK stage, which needs a pull).
        var folder = TempDirectory.Create("bosun-dockerfile");
        var dockerfile = Path.Combine(folder, "Dockerfile");
        await File.WriteAllTextAsync(dockerfile, $"""
            FROM {DockerTestEnvironment.BaseImage}
            LABEL io.bosun.test.custom-dockerfile=yes
            WORKDIR /app
            COPY bin/{RepoPaths.Configuration}/net10.0/ /app/
            RUN echo "made by the custom Dockerfile" > /app/custom-marker.txt
            ENTRYPOINT ["dotnet", "/app/RepoInfo.dll"]
            """);

        var output = await DeployAsync(server, docker, ["--image", image, "--dockerfile", dockerfile, "--pull-policy", "Never"]);
        TempDirectory.Delete(folder);

        Assert.Contains($"Using the Dockerfile {dockerfile} as it is, with the project folder {RepoInfoFolder} as the build context.", output, StringComparison.Ordinal);
        Assert.Contains("RUN echo \"made by the custom Dockerfile\"", output, StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet publish", output, StringComparison.Ordinal);
        var built = await docker.Docker.Images.InspectImageAsync(image);
        Assert.Equal("yes", built.Config.Labels["io.bosun.test.custom-dockerfile"]);

        await using var worker = await TestWorker.StartAsync(server, DockerTest.WorkerOptions(Pool));
        var deployment = await client.GetDeploymentByNameAsync(DeploymentName);
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(
            new JsonObject { ["repoName"] = "dotnet/runtime", ["apiUrl"] = github.BaseUrl },
            JobVariables: new JsonObject { ["labels"] = docker.LabelsVariable, ["command"] = "sh -c 'cat /app/custom-marker.txt && exec dotnet /app/RepoInfo.dll'" }));
        var done = await client.WaitForTerminalAsync(run.Id, TimeSpan.FromMinutes(2));

        Assert.Equal(StateType.Completed, done.State.Type);
        var logs = await client.LogsContainingAsync(run.Id, "Forks 🍴 : 4702");
        AssertStatistics(logs);
        Assert.Contains(logs, l => l is { Source: LogSource.Infrastructure, Message: "made by the custom Dockerfile" });
    }

    /// <summary>
    /// The README's "Your own Dockerfile" commands as written (publish into the project folder, its Dockerfile, the deploy
    /// with --dockerfile), in a copy of the project folder so that the repository stays clean, and with the Dockerfile's
    /// FROM the local runtime image as its "No access to Microsoft's registry" section says.
    /// </summary>
    [SkippableFact]
    public async Task Readme_DockerfileExample_AsWritten_EntrypointShownAndRunCompletes()
    {
        await using var docker = await DockerTest.StartAsync();
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        using var github = GitHub();
        await client.PoolAsync(Pool, "docker");
        var readme = (await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "README.md"))).Replace("\r\n", "\n", StringComparison.Ordinal);
        const string Publish = "    dotnet publish examples/RepoInfo -c Release -o examples/RepoInfo/publish\n";
        const string Deploy = "    dotnet run --project examples/RepoInfo -- deploy --pool my-docker-pool --image my-first-deployment-image:custom --dockerfile Dockerfile --pull-policy Never\n";
        const string Heredoc = "    cat > examples/RepoInfo/Dockerfile <<'EOF'\n";
        Assert.Contains(Publish + Heredoc, readme, StringComparison.Ordinal);
        Assert.Contains("    EOF\n" + Deploy, readme, StringComparison.Ordinal);
        var start = readme.IndexOf(Heredoc, StringComparison.Ordinal) + Heredoc.Length;
        var dockerfile = string.Join('\n', readme[start..readme.IndexOf("    EOF\n", start, StringComparison.Ordinal)]
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line[4..]));
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/runtime:10.0\n", dockerfile, StringComparison.Ordinal);
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"/app/RepoInfo.dll\"]", dockerfile, StringComparison.Ordinal);

        // examples/RepoInfo as the user has it after a build: the project file and its build output.
        var folder = TempDirectory.Create("bosun-readme-dockerfile");
        var project = Path.Combine(folder, "RepoInfo");
        var bin = Path.Combine(project, "bin", RepoPaths.Configuration, "net10.0");
        Directory.CreateDirectory(bin);
        File.Copy(Path.Combine(RepoInfoFolder, "RepoInfo.csproj"), Path.Combine(project, "RepoInfo.csproj"));
        foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(RepoInfoDll)!))
        {
            File.Copy(file, Path.Combine(bin, Path.GetFileName(file)));
        }

        // 1. dotnet publish examples/RepoInfo -c Release -o examples/RepoInfo/publish (of the build the tests run on).
        var withoutMsBuild = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(name => name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || name == "MSBUILD_EXE_PATH")
            .ToDictionary(name => name, _ => (string?)null);
        await using (var publish = ChildProcess.Start("dotnet", ["publish", RepoInfoFolder, "-c", RepoPaths.Configuration, "--no-build", "-o", Path.Combine(project, "publish")], withoutMsBuild))
        {
            Assert.True(await publish.WaitForExitAsync(TimeSpan.FromMinutes(4)) == 0, publish.OutputText);
        }

        // 2. The Dockerfile, FROM the local runtime image.
        await File.WriteAllTextAsync(Path.Combine(project, "Dockerfile"),
            dockerfile.Replace("FROM mcr.microsoft.com/dotnet/runtime:10.0", $"FROM {DockerTestEnvironment.BaseImage}", StringComparison.Ordinal));

        // 3. The deploy, as `dotnet run --project examples/RepoInfo -- deploy ...` runs it: the executable in the project's bin.
        var image = $"{docker.ImageName("my-first-deployment-image")}:custom";
        var arguments = Deploy.Trim().Split(' ')[5..].Select(word => word == "my-first-deployment-image:custom" ? image : word).ToList();
        Assert.Equal(["deploy", "--pool", Pool, "--image", image, "--dockerfile", "Dockerfile", "--pull-policy", "Never"], arguments);
        var environment = new Dictionary<string, string?>
        {
            ["BOSUN_API_URL"] = server.ApiUrl.ToString(),
            ["BOSUN_FLOW_RUN_ID"] = null,
            ["BOSUN_DOCKER_IMAGE_LABELS"] = docker.ImageLabelsVariable,
        };
        string output;
        await using (var deploy = ChildProcess.Start("dotnet", [Path.Combine(bin, "RepoInfo.dll"), .. arguments], environment, project))
        {
            var code = await deploy.WaitForExitAsync(TimeSpan.FromMinutes(5));
            output = deploy.OutputText;
            Assert.True(code == 0, $"RepoInfo deploy exited {code}:\n{output}");
        }

        Assert.Contains($"Using the Dockerfile {Path.Combine(project, "Dockerfile")} as it is, with the project folder {project} as the build context.", output, StringComparison.Ordinal);
        var deployment = await client.GetDeploymentByNameAsync(DeploymentName);
        // What the README says `deployment inspect` shows: the image's entrypoint.
        Assert.Equal("'dotnet' '/app/RepoInfo.dll'", deployment.Entrypoint);
        Assert.Equal(image, deployment.JobVariables["image"]!.GetValue<string>());

        await using var worker = await TestWorker.StartAsync(server, DockerTest.WorkerOptions(Pool));
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(
            new JsonObject { ["repoName"] = "dotnet/runtime", ["apiUrl"] = github.BaseUrl },
            JobVariables: new JsonObject { ["labels"] = docker.LabelsVariable }));
        var done = await client.WaitForTerminalAsync(run.Id, TimeSpan.FromMinutes(2));

        Assert.True(done.State.Type == StateType.Completed, $"{done.State.Type}: {done.State.Message}");
        AssertStatistics(await client.LogsContainingAsync(run.Id, "Forks 🍴 : 4702"));
        TempDirectory.Delete(folder);
    }

    [SkippableFact]
    public async Task Tutorial_PushToAuthenticatedRegistry_PullPolicyAlwaysPullsAndCompletes()
    {
        await using var docker = await DockerTest.StartAsync(needsRegistry: true);
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        using var github = GitHub();
        await client.PoolAsync(Pool, "docker");
        var image = $"{DockerTestEnvironment.Registry}/{docker.ImageName("pushed")}:tutorial";
        // Credentials as `docker login 127.0.0.1:5055` leaves them.
        var dockerConfig = Path.Combine(server.Directory, "docker-config");
        Directory.CreateDirectory(dockerConfig);
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{DockerTestEnvironment.RegistryUser}:{DockerTestEnvironment.RegistryPassword}"));
        await File.WriteAllTextAsync(Path.Combine(dockerConfig, "config.json"), new JsonObject { ["auths"] = new JsonObject { [DockerTestEnvironment.Registry] = new JsonObject { ["auth"] = auth } } }.ToJsonString());

        var output = await DeployAsync(server, docker, ["--image", image, "--push", "--pull-policy", "Always"], new() { ["DOCKER_CONFIG"] = dockerConfig });

        Assert.Contains($"Pushing image '{image}' to {DockerTestEnvironment.Registry} as '{DockerTestEnvironment.RegistryUser}' (credentials from {dockerConfig}/config.json).", output, StringComparison.Ordinal);
        Assert.Contains($"Pushed image '{image}' to {DockerTestEnvironment.Registry}.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Not pushed", output, StringComparison.Ordinal);
        // What the worker runs must come from the registry, not from the author's disk.
        await docker.Docker.Images.DeleteImageAsync(image, new ImageDeleteParameters { Force = true });
        Assert.False(await docker.ImageExistsAsync(image));

        await using var worker = await TestWorker.StartAsync(server, DockerTest.WorkerOptions(Pool));
        var deployment = await client.GetDeploymentByNameAsync(DeploymentName);
        Assert.Equal("Always", deployment.JobVariables["image_pull_policy"]!.GetValue<string>());
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(
            new JsonObject { ["repoName"] = "dotnet/runtime", ["apiUrl"] = github.BaseUrl },
            JobVariables: new JsonObject
            {
                ["labels"] = docker.LabelsVariable,
                ["registry_credentials"] = new JsonObject
                {
                    ["username"] = DockerTestEnvironment.RegistryUser,
                    ["password"] = DockerTestEnvironment.RegistryPassword,
                    ["registry"] = DockerTestEnvironment.Registry,
                },
            }));
        var done = await client.WaitForTerminalAsync(run.Id, TimeSpan.FromMinutes(2));

        Assert.True(done.State.Type == StateType.Completed, $"{done.State.Type}: {done.State.Message}\n{(await client.LogsAsync(run.Id)).Text()}");
        var logs = await client.LogsContainingAsync(run.Id, "Forks 🍴 : 4702");
        AssertStatistics(logs);
        Assert.Contains(logs, l => l is { Source: LogSource.Worker } && l.Message == $"Pulling image '{image}' (pull policy Always).");
        Assert.Contains(logs, l => l is { Source: LogSource.Worker } && l.Message == $"Logging in to registry {DockerTestEnvironment.Registry} as '{DockerTestEnvironment.RegistryUser}'.");
        Assert.Contains(logs, l => l is { Source: LogSource.Worker } && l.Message.StartsWith("Status: Downloaded newer image", StringComparison.Ordinal));
        Assert.DoesNotContain(logs, l => l.Message.Contains(DockerTestEnvironment.RegistryPassword, StringComparison.Ordinal));
        Assert.True(await docker.ImageExistsAsync(image));
    }

    [SkippableFact]
    public async Task Tutorial_MissingImagePullPolicyNever_CrashedNotFoundLocally()
    {
        await using var docker = await DockerTest.StartAsync();
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync(Pool, "docker");
        var image = $"{docker.ImageName("never-built")}:tutorial";
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("get-repo-info", "my-first-deployment", "unused", WorkPoolName: Pool,
            JobVariables: new JsonObject { ["image"] = image, ["image_pull_policy"] = "Never", ["labels"] = docker.LabelsVariable }));
        await using var worker = await TestWorker.StartAsync(server, DockerTest.WorkerOptions(Pool));

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Equal($"failed to submit: image '{image}' not found locally and pull policy is Never", done.State.Message);
        var logs = await client.LogsContainingAsync(run.Id, "not found locally");
        Assert.Contains(logs, l => l is { Source: LogSource.Worker, Level: RunLogLevel.Error } && l.Message.Contains($"image '{image}' not found locally and pull policy is Never", StringComparison.Ordinal));
        Assert.Null(done.InfrastructureId);
        Assert.Empty(await docker.ContainersAsync());
    }

    [SkippableFact]
    public async Task Pull_WrongRegistryCredentials_CrashedSayingTheLoginFailed()
    {
        await using var docker = await DockerTest.StartAsync(needsRegistry: true);
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync(Pool, "docker");
        var image = $"{DockerTestEnvironment.Registry}/{docker.ImageName("anything")}:1";
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("get-repo-info", "my-first-deployment", "unused", WorkPoolName: Pool,
            JobVariables: new JsonObject
            {
                ["image"] = image,
                ["image_pull_policy"] = "Always",
                ["labels"] = docker.LabelsVariable,
                ["registry_credentials"] = new JsonObject { ["username"] = DockerTestEnvironment.RegistryUser, ["password"] = "wrong-password" },
            }));
        await using var worker = await TestWorker.StartAsync(server, DockerTest.WorkerOptions(Pool));

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.StartsWith($"failed to submit: logging in to registry {DockerTestEnvironment.Registry} as '{DockerTestEnvironment.RegistryUser}' failed:", done.State.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password", done.State.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Pull_NoCredentialsForAuthenticatedRegistry_CrashedSayingThePullFailed()
    {
        await using var docker = await DockerTest.StartAsync(needsRegistry: true);
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync(Pool, "docker");
        var image = $"{DockerTestEnvironment.Registry}/{docker.ImageName("anything")}:1";
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("get-repo-info", "my-first-deployment", "unused", WorkPoolName: Pool,
            JobVariables: new JsonObject { ["image"] = image, ["labels"] = docker.LabelsVariable }));
        await using var worker = await TestWorker.StartAsync(server, DockerTest.WorkerOptions(Pool));

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.StartsWith($"failed to submit: pulling image '{image}' failed:", done.State.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(await client.LogsAsync(run.Id), l => l.Message.StartsWith("Logging in", StringComparison.Ordinal));
    }
}
