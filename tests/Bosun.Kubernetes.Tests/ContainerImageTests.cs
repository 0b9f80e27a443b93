using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Docker.Tests;
using Bosun.Testing;

namespace Bosun.Kubernetes.Tests;

/// <summary>
/// The image of deploy/Dockerfile (what deploy/kubernetes runs as the server and the worker), built from this repository
/// and run. mcr.microsoft.com cannot be reached here, so it is built as the Dockerfile documents for such machines: the
/// command published on the host (<c>PUBLISHED=true</c>) onto a base of .NET 10 with ASP.NET Core made from this machine's
/// own files (the local runtime base image plus the machine's ASP.NET Core shared framework).
/// </summary>
public sealed class ContainerImageTests
{
    private static readonly Lazy<Task<string>> Published = new(PublishAsync);

    [SkippableFact]
    public async Task WorkerImage_WorkerRunFromTheImageOnTheHostNetwork_KubernetesRunCompleted()
    {
        await using var k8s = await KubernetesTest.StartAsync();
        var image = await BuildImageAsync(k8s.Docker);
        await k8s.PoolAsync("image-pool");
        var deployment = await k8s.ShellDeploymentAsync("image-pool", $"echo hello from the pod; {BusyboxFlow.Propose("COMPLETED")}");

        var worker = await RunContainerAsync(k8s.Docker,
            ["-e", $"BOSUN_API_URL={k8s.Server.ApiUrl}", "-e", $"KUBECONFIG={k8s.Kubeconfig}", "-v", $"{k8s.Kubeconfig}:{k8s.Kubeconfig}:ro", image,
                "worker", "start", "--pool", "image-pool", "--type", "kubernetes", "--name", "image-worker", "--heartbeat-seconds", "1"]);
        var run = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await k8s.Client.WaitForTerminalAsync(run.Id, TimeSpan.FromMinutes(2));

        Assert.True(done.State.Type == StateType.Completed, $"{done.State.Type}: {done.State.Message}\n{await LogsOfAsync(worker)}");
        Assert.Equal("image-worker", done.WorkerName);
        Assert.Matches("^default/", done.InfrastructureId);
        Assert.Contains(await k8s.Client.FinalLogsAsync(run.Id), l => l is { Source: LogSource.Infrastructure, Message: "hello from the pod" });
    }

    [SkippableFact]
    public async Task ServerImage_ServerRunFromTheImageOnTheHostNetwork_HealthAnswersAndTheApiServes()
    {
        await using var docker = await DockerTest.StartAsync();
        var image = await BuildImageAsync(docker);
        var port = StablePorts.Next();

        var server = await RunContainerAsync(docker,
            [image, "server", "start", "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--database", "/tmp/bosun.db"]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var health = await Eventually.ValueAsync(async () =>
        {
            try
            {
                using var response = await http.GetAsync(new Uri("api/health", UriKind.Relative));
                return (HttpStatusCode?)response.StatusCode;
            }
            catch (HttpRequestException)
            {
                return (HttpStatusCode?)null;
            }
        }, status => status is not null, "the server in the container answered /api/health", TimeSpan.FromSeconds(60));
        using var client = new BosunClient(new BosunClientOptions { ApiUrl = new Uri($"http://127.0.0.1:{port}/api/"), MaxAttempts = 1 });
        await client.CreateWorkPoolAsync(new WorkPoolCreate("in-the-image", WorkPoolTypes.Kubernetes));

        Assert.True(health == HttpStatusCode.OK, $"{health}\n{await LogsOfAsync(server)}");
        Assert.Equal(WorkPoolTypes.Kubernetes, (await client.GetWorkPoolAsync("in-the-image")).Type);
    }

    /// <summary>`dotnet publish src/Bosun.Cli` of the build the tests run on, once per test run.</summary>
    private static async Task<string> PublishAsync()
    {
        var output = TempDirectory.Create("bosun-image-publish");
        await using var publish = ChildProcess.Start("dotnet",
            ["publish", Path.Combine(RepoPaths.Root, "src", "Bosun.Cli"), "-c", RepoPaths.Configuration, "--no-build", "-o", output, "-nologo", "-v", "quiet", "-nr:false"],
            new Dictionary<string, string?> { ["MSBUILDDISABLENODEREUSE"] = "1", ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0" });
        var code = await publish.WaitForExitAsync(TimeSpan.FromMinutes(5));
        Assert.True(code == 0, $"dotnet publish exited with {code}:\n{publish.OutputText}");
        return output;
    }

    /// <summary>deploy/Dockerfile on a .NET 10 + ASP.NET Core base made from this machine's files, labelled with the test's id.</summary>
    private static async Task<string> BuildImageAsync(DockerTest docker)
    {
        var published = await Published.Value;
        var baseContext = TempDirectory.Create("bosun-aspnet-base");
        try
        {
            // The ASP.NET Core framework of the same version as the .NET runtime the base image was made from (this one).
            var runtime = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd('/');
            var aspnet = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(runtime))!, "Microsoft.AspNetCore.App", Path.GetFileName(runtime));
            CopyDirectory(aspnet, Path.Combine(baseContext, "aspnet", Path.GetFileName(runtime)));
            await File.WriteAllTextAsync(Path.Combine(baseContext, "Dockerfile"),
                $"FROM {DockerTestEnvironment.BaseImage}\nCOPY aspnet/ /usr/share/dotnet/shared/Microsoft.AspNetCore.App/\n");
            var baseImage = docker.ImageName("aspnet-base");
            await DockerCliAsync(["build", "-q", .. Labels(docker), "-t", baseImage, baseContext]);
            var image = docker.ImageName("bosun");
            await DockerCliAsync(["build", "-q", .. Labels(docker), "-f", Path.Combine(RepoPaths.Root, "deploy", "Dockerfile"), "--build-arg", "PUBLISHED=true",
                "--build-arg", $"SDK_IMAGE={baseImage}", "--build-arg", $"RUNTIME_IMAGE={baseImage}", "-t", image, published]);
            return image;
        }
        finally
        {
            TempDirectory.Delete(baseContext);
        }
    }

    /// <summary>A detached container of the image on the host network (everything the test runs listens on 127.0.0.1), removed by the test's clean-up.</summary>
    private static async Task<string> RunContainerAsync(DockerTest docker, string[] arguments) =>
        (await DockerCliAsync(["run", "-d", "--network", "host", .. Labels(docker), .. arguments]))[^1].Trim();

    private static async Task<string> LogsOfAsync(string container) => string.Join('\n', await DockerCliAsync(["logs", container]));

    private static string[] Labels(DockerTest docker) =>
        ["--label", $"{DockerTestEnvironment.TestLabel}=true", "--label", $"{DockerTestEnvironment.TestIdLabel}={docker.Id}"];

    /// <summary>The docker command's output lines (stdout and stderr); it must succeed.</summary>
    private static async Task<IReadOnlyList<string>> DockerCliAsync(string[] arguments)
    {
        await using var process = ChildProcess.Start("docker", arguments);
        var code = await process.WaitForExitAsync(TimeSpan.FromMinutes(3));
        Assert.True(code == 0, $"docker {string.Join(' ', arguments)} exited with {code}:\n{process.OutputText}");
        return process.Output;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
