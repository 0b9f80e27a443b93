using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Docker.Tests;

/// <summary>
/// A real worker (in this process) running small containers (the base image's busybox) for a docker pool, one test per
/// job variable of docs/behaviour.md §5; containers report their states with wget like a flow-run process would.
/// </summary>
public sealed class DockerVariableTests
{
    private const string Pool = "dock";

    private static async Task<(TestServer Server, TestWorker Worker)> StartAsync()
    {
        var server = await TestServer.StartAsync();
        // Every variable open: these tests show each one reaches the container (the policy's own tests: JobVariablePolicyTests).
        await server.Client.CreateWorkPoolAsync(new Bosun.Contracts.WorkPools.WorkPoolCreate(Pool, "docker") { JobVariablePolicy = new Dictionary<string, Bosun.Contracts.WorkPools.JobVariableRule>() });
        var worker = await TestWorker.StartAsync(server, DockerTest.WorkerOptions(Pool));
        return (server, worker);
    }

    [SkippableFact]
    public async Task Env_StandardThenRenderedEnv_ReachesContainerAndNullUnsets()
    {
        await using var docker = await DockerTest.StartAsync();
        var (server, worker) = await StartAsync();
        await using var _ = server;
        await using var __ = worker;
        var client = server.Client;
        var deployment = await docker.ShellDeploymentAsync(client, Pool,
            BusyboxFlow.Shell("echo run=$BOSUN_FLOW_RUN_ID pool=$BOSUN_WORK_POOL_NAME greeting=$GREETING extra=$EXTRA removed=${REMOVED:-unset} path=$PATH"),
            new JsonObject { ["env"] = new JsonObject { ["GREETING"] = "hello", ["REMOVED"] = "set by the deployment" } });

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(JobVariables: JsonNode.Parse("""{"env.EXTRA": "more", "env": {"REMOVED": null}}""")!.AsObject()));
        await client.WaitForTerminalAsync(run.Id);

        var logs = await client.FinalLogsAsync(run.Id);
        Assert.Contains(logs, l => l is { Source: LogSource.Infrastructure } && l.Message == $"run={run.Id} pool={Pool} greeting=hello extra=more removed=unset path=/usr/share/dotnet:/bin");
    }

    [SkippableFact]
    public async Task Labels_StandardAndRendered_OnTheContainer()
    {
        await using var docker = await DockerTest.StartAsync();
        var (server, worker) = await StartAsync();
        await using var _ = server;
        await using var __ = worker;
        var client = server.Client;
        var labels = docker.LabelsVariable;
        labels["team"] = "data";
        var deployment = await docker.ShellDeploymentAsync(client, Pool, BusyboxFlow.Shell("exit 0"), new JsonObject { ["labels"] = labels });

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        var container = await docker.InspectAsync(done.InfrastructureId!);
        Assert.NotNull(container);
        var actual = container.Config.Labels;
        Assert.Equal("data", actual["team"]);
        Assert.Equal(run.Id.ToString(), actual["io.bosun.flow-run-id"]);
        Assert.Equal(run.Name, actual["io.bosun.flow-run-name"]);
        Assert.Equal(Pool, actual["io.bosun.work-pool-name"]);
        Assert.Equal(worker.Options.Name, actual["io.bosun.worker-name"]);
        Assert.Equal("shell", actual["io.bosun.flow-name"]);
        Assert.Equal("dep", actual["io.bosun.deployment-name"]);
        Assert.True(actual.ContainsKey("io.bosun.deployment-version"));
    }

    [SkippableFact]
    public async Task Volumes_HostFolderReadOnly_MountedInTheContainer()
    {
        await using var docker = await DockerTest.StartAsync();
        var (server, worker) = await StartAsync();
        await using var _ = server;
        await using var __ = worker;
        var client = server.Client;
        var folder = TempDirectory.Create("bosun-volume");
        await File.WriteAllTextAsync(Path.Combine(folder, "hello.txt"), "from-the-host\n");
        var deployment = await docker.ShellDeploymentAsync(client, Pool,
            BusyboxFlow.Shell("cat /data/hello.txt; if touch /data/new 2>/dev/null; then echo writable; else echo read-only; fi"),
            new JsonObject { ["volumes"] = new JsonArray($"{folder}:/data:ro") });

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        var output = (await client.FinalLogsAsync(run.Id)).Where(l => l.Source == LogSource.Infrastructure).Select(l => l.Message).ToList();
        Assert.Equal(["from-the-host", "read-only"], output);
        var mount = Assert.Single((await docker.InspectAsync(done.InfrastructureId!))!.Mounts);
        Assert.Equal((folder, "/data", false), (mount.Source, mount.Destination, mount.RW));
        Assert.False(File.Exists(Path.Combine(folder, "new")));
        TempDirectory.Delete(folder);
    }

    [SkippableFact]
    public async Task MemLimit_AndMemswapLimit_AppliedAsInspectShows()
    {
        await using var docker = await DockerTest.StartAsync();
        var (server, worker) = await StartAsync();
        await using var _ = server;
        await using var __ = worker;
        var client = server.Client;
        var deployment = await docker.ShellDeploymentAsync(client, Pool,
            BusyboxFlow.Shell("cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max"),
            new JsonObject { ["mem_limit"] = "64m", ["memswap_limit"] = "128MB" });

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        var host = (await docker.InspectAsync(done.InfrastructureId!))!.HostConfig;
        Assert.Equal(64L * 1024 * 1024, host.Memory);
        Assert.Equal(128L * 1024 * 1024, host.MemorySwap);
        Assert.Contains(await client.FinalLogsAsync(run.Id), l => l is { Source: LogSource.Infrastructure, Message: "67108864" });
    }

    [SkippableFact]
    public async Task Name_Taken_SanitizedNameGetsDash1ThenDash2()
    {
        await using var docker = await DockerTest.StartAsync();
        var (server, worker) = await StartAsync();
        await using var _ = server;
        await using var __ = worker;
        var client = server.Client;
        var deployment = await docker.ShellDeploymentAsync(client, Pool, BusyboxFlow.Shell("exit 0"),
            new JsonObject { ["name"] = $"my flow/run {docker.Id}!" });

        var names = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
            var done = await client.WaitForTerminalAsync(run.Id);
            names.Add((await docker.InspectAsync(done.InfrastructureId!))!.Name);
        }

        var expected = $"/my-flow-run-{docker.Id}";
        Assert.Equal([expected, $"{expected}-1", $"{expected}-2"], names);
    }

    [SkippableFact]
    public async Task AutoRemove_CrashingFlow_CrashedWithExitCodeAndContainerRemoved()
    {
        await using var docker = await DockerTest.StartAsync();
        var (server, worker) = await StartAsync();
        await using var _ = server;
        await using var __ = worker;
        var client = server.Client;
        var deployment = await docker.ShellDeploymentAsync(client, Pool,
            BusyboxFlow.Shell($"{BusyboxFlow.Propose("RUNNING")}; echo about to crash; exit 3"), new JsonObject { ["auto_remove"] = true });

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Contains("non-zero exit code 3", done.State.Message, StringComparison.Ordinal);
        var logs = await client.FinalLogsAsync(run.Id);
        Assert.Contains(logs, l => l is { Source: LogSource.Infrastructure, Message: "about to crash" });
        await Eventually.WaitUntilAsync(async () => await docker.InspectAsync(done.InfrastructureId!) is null, "the container is removed");
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Cancel_RunningContainer_CancelledOnceTheContainerIsStopped(bool autoRemove)
    {
        await using var docker = await DockerTest.StartAsync();
        var (server, worker) = await StartAsync();
        await using var _ = server;
        await using var __ = worker;
        var client = server.Client;
        var deployment = await docker.ShellDeploymentAsync(client, Pool,
            BusyboxFlow.Shell($"trap \"echo got SIGTERM; exit 143\" TERM; {BusyboxFlow.Propose("RUNNING")}; echo working; while true; do sleep 0.1; done"),
            new JsonObject { ["auto_remove"] = autoRemove });
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var running = await client.WaitForStateAsync(run.Id, s => s.Type == StateType.Running, "the run is RUNNING");
        var containerId = (await Eventually.ValueAsync(() => client.GetFlowRunAsync(run.Id), r => r.InfrastructureId is not null, "the container id is recorded")).InfrastructureId!;
        Assert.True((await docker.InspectAsync(containerId))!.State.Running);

        Assert.Equal(StateType.Cancelling, (await client.CancelFlowRunAsync(run.Id)).State.Type);
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Cancelled, done.State.Type);
        var container = await docker.InspectAsync(containerId);
        if (autoRemove)
        {
            await Eventually.WaitUntilAsync(async () => await docker.InspectAsync(containerId) is null, "the auto-removed container is gone");
        }
        else
        {
            Assert.False(container!.State.Running);
            Assert.Equal(143, container.State.ExitCode);
        }

        var logs = await client.FinalLogsAsync(run.Id);
        Assert.Contains(logs, l => l is { Source: LogSource.Infrastructure, Message: "got SIGTERM" });
        Assert.Contains(logs, l => l.Source == LogSource.Worker && l.Message.Contains($"Stopping infrastructure {containerId}", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task ExitCode_NonZeroFromWaitResult_CrashedAndContainerIdRecorded()
    {
        await using var docker = await DockerTest.StartAsync();
        var (server, worker) = await StartAsync();
        await using var _ = server;
        await using var __ = worker;
        var client = server.Client;
        var deployment = await docker.ShellDeploymentAsync(client, Pool, BusyboxFlow.Shell("echo to-stdout; echo to-stderr >&2; exit 7"));

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Contains("non-zero exit code 7", done.State.Message, StringComparison.Ordinal);
        var container = await docker.InspectAsync(done.InfrastructureId!);
        Assert.Equal(done.InfrastructureId, container!.ID);
        Assert.Equal(run.Id.ToString(), container.Config.Labels["io.bosun.flow-run-id"]);
        var logs = await client.FinalLogsAsync(run.Id);
        Assert.Contains(logs, l => l is { Source: LogSource.Infrastructure, Level: RunLogLevel.Info, Message: "to-stdout" });
        Assert.Contains(logs, l => l is { Source: LogSource.Infrastructure, Level: RunLogLevel.Error, Message: "to-stderr" });
        Assert.Contains(logs, l => l.Message.Contains($"Image '{DockerTestEnvironment.BaseImage}' is present; not pulling (pull policy IfNotPresent)", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task ReportedStates_FlowCompletes_CompletedAndHostNetworkForLocalApi()
    {
        await using var docker = await DockerTest.StartAsync();
        var (server, worker) = await StartAsync();
        await using var _ = server;
        await using var __ = worker;
        var client = server.Client;
        var deployment = await docker.ShellDeploymentAsync(client, Pool,
            BusyboxFlow.Shell($"{BusyboxFlow.Propose("RUNNING")}; echo working; {BusyboxFlow.Propose("COMPLETED")}"));

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Completed, done.State.Type);
        Assert.Equal("host", (await docker.InspectAsync(done.InfrastructureId!))!.HostConfig.NetworkMode);
        var names = (await client.GetFlowRunStatesAsync(run.Id)).Select(s => s.Name).ToList();
        Assert.Equal(["Scheduled", "Pending", "Submitting", "Running", "Completed"], names);
        Assert.Contains(await client.FinalLogsAsync(run.Id), l => l.Message.Contains("exited with code 0; the run is COMPLETED", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Networks_None_ContainerJoinsThatNetwork()
    {
        await using var docker = await DockerTest.StartAsync();
        var (server, worker) = await StartAsync();
        await using var _ = server;
        await using var __ = worker;
        var client = server.Client;
        var deployment = await docker.ShellDeploymentAsync(client, Pool, BusyboxFlow.Shell("exit 0"), new JsonObject { ["networks"] = new JsonArray("none") });

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        var container = (await docker.InspectAsync(done.InfrastructureId!))!;
        Assert.Equal("none", container.HostConfig.NetworkMode);
        Assert.Equal(["none"], container.NetworkSettings.Networks.Keys);
    }

    [SkippableFact]
    public async Task Privileged_TrueOrFalse_PassedToTheDaemon()
    {
        await using var docker = await DockerTest.StartAsync();
        var (server, worker) = await StartAsync();
        await using var _ = server;
        await using var __ = worker;
        var client = server.Client;
        var deployment = await docker.ShellDeploymentAsync(client, Pool, BusyboxFlow.Shell("exit 0"), new JsonObject { ["privileged"] = true });

        var privileged = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var plain = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(JobVariables: new JsonObject { ["privileged"] = false }));
        var privilegedDone = await client.WaitForTerminalAsync(privileged.Id);
        var plainDone = await client.WaitForTerminalAsync(plain.Id);

        Assert.False((await docker.InspectAsync(plainDone.InfrastructureId!))!.HostConfig.Privileged);
        // The run names its container from its creation on, whether it started or not.
        var container = await docker.InspectAsync(privilegedDone.InfrastructureId!);
        if (privilegedDone.State.Type == StateType.Completed)
        {
            Assert.True(container!.HostConfig.Privileged);
        }
        else
        {
            // A host that is itself an unprivileged container (this CI's kind) refuses privileged containers at start;
            // the same container unprivileged starts (above), so the refusal shows the flag reached the daemon. The
            // container the start was refused for is removed.
            Assert.StartsWith("failed to submit: starting container", privilegedDone.State.Message, StringComparison.Ordinal);
            Assert.Contains("operation not permitted", privilegedDone.State.Message, StringComparison.Ordinal);
            Assert.Null(container);
        }
    }

    [SkippableFact]
    public async Task RegistryCredentials_ImagePresentIfNotPresent_NoLoginAndNoPull()
    {
        await using var docker = await DockerTest.StartAsync();
        var (server, worker) = await StartAsync();
        await using var _ = server;
        await using var __ = worker;
        var client = server.Client;
        var deployment = await docker.ShellDeploymentAsync(client, Pool, BusyboxFlow.Shell("exit 0"), new JsonObject
        {
            ["registry_credentials"] = new JsonObject { ["username"] = "nobody", ["password"] = "never-used", ["registry"] = "127.0.0.1:1" },
        });

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.NotNull(done.InfrastructureId);
        var logs = await client.FinalLogsAsync(run.Id);
        Assert.DoesNotContain(logs, l => l.Message.StartsWith("Logging in", StringComparison.Ordinal) || l.Message.StartsWith("Pulling", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task StreamOutputFalse_ContainerOutputNotShipped()
    {
        await using var docker = await DockerTest.StartAsync();
        var (server, worker) = await StartAsync();
        await using var _ = server;
        await using var __ = worker;
        var client = server.Client;
        var deployment = await docker.ShellDeploymentAsync(client, Pool, BusyboxFlow.Shell("echo secret-output"), new JsonObject { ["stream_output"] = false });

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await client.WaitForTerminalAsync(run.Id);

        var logs = await client.FinalLogsAsync(run.Id);
        Assert.DoesNotContain(logs, l => l.Source == LogSource.Infrastructure);
        Assert.DoesNotContain(logs, l => l.Message.Contains("secret-output", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Command_NotInImage_CrashedWithTheStartErrorAndNoContainerLeft()
    {
        await using var docker = await DockerTest.StartAsync();
        var (server, worker) = await StartAsync();
        await using var _ = server;
        await using var __ = worker;
        var client = server.Client;
        var deployment = await docker.ShellDeploymentAsync(client, Pool, "no-such-program --flag");

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.StartsWith("failed to submit: starting container", done.State.Message, StringComparison.Ordinal);
        Assert.Contains("no-such-program", done.State.Message, StringComparison.Ordinal);
        Assert.Contains(await client.LogsContainingAsync(run.Id, "Failed to submit flow run: starting container"), l => l.Source == LogSource.Worker);
        Assert.Empty(await docker.ContainersAsync());
    }

    [Fact]
    public async Task DockerHost_NothingListening_CrashedSayingTheDaemonCannotBeReached()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"bosun-no-daemon-{Guid.NewGuid():N}.sock");
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync(Pool, "docker");
        var deployment = await client.UpsertDeploymentAsync(new Bosun.Contracts.Deployments.DeploymentUpsert("shell", "dep", "unused", WorkPoolName: Pool,
            JobVariables: new JsonObject { ["image"] = DockerTestEnvironment.BaseImage }));
        var old = Environment.GetEnvironmentVariable("DOCKER_HOST");
        Environment.SetEnvironmentVariable("DOCKER_HOST", $"unix://{socket}");
        TestWorker worker;
        try
        {
            // The worker reads DOCKER_HOST when it starts.
            worker = await TestWorker.StartAsync(server, DockerTest.WorkerOptions(Pool));
        }
        finally
        {
            Environment.SetEnvironmentVariable("DOCKER_HOST", old);
        }

        await using var _ = worker;
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.StartsWith($"failed to submit: cannot reach the Docker daemon at unix://{socket}", done.State.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task MemLimit_NotASize_CrashedNamingTheVariable()
    {
        await using var docker = await DockerTest.StartAsync();
        var (server, worker) = await StartAsync();
        await using var _ = server;
        await using var __ = worker;
        var client = server.Client;
        var deployment = await docker.ShellDeploymentAsync(client, Pool, BusyboxFlow.Shell("exit 0"), new JsonObject { ["mem_limit"] = "lots" });

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Equal("failed to submit: mem_limit 'lots' is not a size such as 512m or 2g", done.State.Message);
        Assert.Empty(await docker.ContainersAsync());
    }
}
