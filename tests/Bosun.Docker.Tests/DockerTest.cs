using System.Net;
using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Testing;
using Bosun.Worker;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Bosun.Docker.Tests;

/// <summary>
/// One Docker test's resources: a Docker client, the test's own id label that every container and image it makes
/// carries, and the clean-up of exactly those (never anything else: the daemon may be shared).
/// A missing service fails the test under CI=true and skips it, saying why, elsewhere.
/// </summary>
internal sealed class DockerTest : IAsyncDisposable
{
    private static readonly Lazy<Task<string?>> DaemonProblem = new(FindDaemonProblemAsync);
    private static readonly Lazy<Task<string?>> RegistryProblem = new(FindRegistryProblemAsync);

    private DockerTest(DockerClient docker)
    {
        Docker = docker;
    }

    public DockerClient Docker { get; }

    /// <summary>This test's id, the value of its <see cref="DockerTestEnvironment.TestIdLabel"/>.</summary>
    public string Id { get; } = Guid.NewGuid().ToString("N")[..12];

    /// <summary>The test labels, as a docker pool's <c>labels</c> job variable.</summary>
    public JsonObject LabelsVariable => new()
    {
        [DockerTestEnvironment.TestLabel] = "true",
        [DockerTestEnvironment.TestIdLabel] = Id,
    };

    /// <summary>The test labels, as BOSUN_DOCKER_IMAGE_LABELS for images the SDK builds.</summary>
    public string ImageLabelsVariable => $"{DockerTestEnvironment.TestLabel}=true,{DockerTestEnvironment.TestIdLabel}={Id}";

    /// <summary>A fresh image name for this test.</summary>
    public string ImageName(string purpose) => $"bosun-test/{purpose}-{Id}";

    /// <summary>Checks the services this test needs and returns its resources.</summary>
    public static async Task<DockerTest> StartAsync(bool needsRegistry = false)
    {
        var problem = await DaemonProblem.Value ?? (needsRegistry ? await RegistryProblem.Value : null);
        if (problem is not null)
        {
            if (TestEnvironment.InCi)
            {
                Assert.Fail($"{problem} Under CI=true a missing service is a failure: scripts/ci-setup/20-docker.sh should have prepared it.");
            }

            Console.WriteLine($"Skipping: {problem} Run scripts/ci-setup/20-docker.sh to prepare this machine.");
            Skip.If(true, $"{problem} Run scripts/ci-setup/20-docker.sh to prepare this machine.");
        }

        return new DockerTest(NewClient());
    }

    public static DockerClient NewClient()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        using var configuration = new DockerClientConfiguration(new Uri(string.IsNullOrEmpty(host) ? "unix:///var/run/docker.sock" : host));
        return configuration.CreateClient();
    }

    /// <summary>A docker worker polling <paramref name="pool"/>, quick to notice cancellations.</summary>
    public static WorkerOptions WorkerOptions(string pool) => new()
    {
        PoolName = pool,
        Type = "docker",
        Name = $"docker-test-worker-{Guid.NewGuid():N}"[..26],
        HeartbeatInterval = TimeSpan.FromSeconds(5),
        ClaimWait = TimeSpan.FromSeconds(5),
        CancellationPollInterval = TimeSpan.FromMilliseconds(200),
        StopGracePeriod = TimeSpan.FromSeconds(3),
        DrainGracePeriod = TimeSpan.FromSeconds(5),
    };

    /// <summary>A deployment running <paramref name="command"/> in the base image, with this test's labels.</summary>
    public Task<Deployment> ShellDeploymentAsync(BosunClient client, string pool, string command, JsonObject? jobVariables = null, string name = "dep")
    {
        var variables = jobVariables ?? [];
        variables["image"] ??= DockerTestEnvironment.BaseImage;
        variables["command"] ??= command;
        variables["labels"] ??= LabelsVariable;
        return client.UpsertDeploymentAsync(new DeploymentUpsert("shell", name, "unused: the container runs the command", WorkPoolName: pool, JobVariables: variables));
    }

    /// <summary>The containers this test made (running or not).</summary>
    public async Task<IList<ContainerListResponse>> ContainersAsync() =>
        await Docker.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = LabelFilter() });

    /// <summary>The container, or null when it does not exist (any more).</summary>
    public async Task<ContainerInspectResponse?> InspectAsync(string id)
    {
        try
        {
            return await Docker.Containers.InspectContainerAsync(id);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<bool> ImageExistsAsync(string reference)
    {
        try
        {
            await Docker.Images.InspectImageAsync(reference);
            return true;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>Removes this test's containers, then its images: selected by the test id label only.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var container in await ContainersAsync())
        {
            await Quietly(() => Docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }));
        }

        var images = await Docker.Images.ListImagesAsync(new ImagesListParameters { All = true, Filters = LabelFilter() });
        foreach (var image in images.OrderByDescending(i => i.Created))
        {
            await Quietly(() => Docker.Images.DeleteImageAsync(image.ID, new ImageDeleteParameters { Force = true }));
        }

        Docker.Dispose();
    }

    private Dictionary<string, IDictionary<string, bool>> LabelFilter() => new()
    {
        ["label"] = new Dictionary<string, bool> { [$"{DockerTestEnvironment.TestIdLabel}={Id}"] = true },
    };

    private static async Task Quietly(Func<Task> removal)
    {
        try
        {
            await removal();
        }
        catch (DockerApiException ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            // Already removed (auto_remove, or with its parent image).
        }
    }

    private static async Task<string?> FindDaemonProblemAsync()
    {
        using var docker = NewClient();
        try
        {
            await docker.System.PingAsync();
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or System.Net.Sockets.SocketException or DockerApiException or TimeoutException)
        {
            return $"The Docker daemon does not answer ({ex.Message}).";
        }

        try
        {
            await docker.Images.InspectImageAsync(DockerTestEnvironment.BaseImage);
            return null;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return $"The local base image {DockerTestEnvironment.BaseImage} is missing.";
        }
    }

    private static async Task<string?> FindRegistryProblemAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync(new Uri($"http://{DockerTestEnvironment.Registry}/v2/"));
            return response.StatusCode == HttpStatusCode.Unauthorized
                ? null
                : $"The registry at {DockerTestEnvironment.Registry} answered {(int)response.StatusCode}, not 401: it is not the authenticated test registry.";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return $"The local registry at {DockerTestEnvironment.Registry} does not answer ({ex.Message}).";
        }
    }
}

/// <summary>Waiting on runs and reading their logs.</summary>
internal static class Runs
{
    /// <summary>Waits until the run's state is accepted; a timeout carries the run's logs, which say where it was stuck.</summary>
    public static async Task<FlowRun> WaitForStateAsync(this BosunClient client, Guid runId, Func<FlowRunState, bool> accept, string what, TimeSpan? timeout = null)
    {
        try
        {
            return await Eventually.ValueAsync(() => client.GetFlowRunAsync(runId), run => accept(run.State), what, timeout ?? TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\nThe run's logs:\n{(await client.LogsAsync(runId)).Text()}", ex);
        }
    }

    public static Task<FlowRun> WaitForTerminalAsync(this BosunClient client, Guid runId, TimeSpan? timeout = null) =>
        client.WaitForStateAsync(runId, state => state.Type.IsTerminal(), $"run {runId} is finished", timeout);

    public static async Task<IReadOnlyList<LogEntry>> LogsAsync(this BosunClient client, Guid runId) =>
        (await client.ReadLogsAsync(runId, limit: 500)).Items;

    /// <summary>Waits until the worker's last log line for the run ("the run is X") has been shipped.</summary>
    public static Task<IReadOnlyList<LogEntry>> FinalLogsAsync(this BosunClient client, Guid runId) =>
        Eventually.ValueAsync(() => client.LogsAsync(runId), lines => lines.Any(l => l.Message.Contains("the run is", StringComparison.Ordinal)),
            "the worker's final log line arrived");

    public static Task<IReadOnlyList<LogEntry>> LogsContainingAsync(this BosunClient client, Guid runId, string fragment) =>
        Eventually.ValueAsync(() => client.LogsAsync(runId), logs => logs.Any(l => l.Message.Contains(fragment, StringComparison.Ordinal)),
            $"the logs of run {runId} contain '{fragment}'");

    public static string Text(this IReadOnlyList<LogEntry> logs) => string.Join('\n', logs.Select(l => $"[{l.Source}] {l.Message}"));
}

/// <summary>
/// Shell snippets for the base image's busybox that act as a flow-run process would: report states to the API with
/// wget, using the BOSUN_API_URL and BOSUN_FLOW_RUN_ID the worker passes.
/// </summary>
internal static class BusyboxFlow
{
    public static string Propose(string state) =>
        $$"""wget -q -O /dev/null --header 'Content-Type: application/json' --post-data '{"type":"{{state}}"}' "$BOSUN_API_URL/flow_runs/$BOSUN_FLOW_RUN_ID/set_state" """;

    /// <summary>`sh -c '...'` as a command string.</summary>
    public static string Shell(string script) => $"sh -c '{script.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
