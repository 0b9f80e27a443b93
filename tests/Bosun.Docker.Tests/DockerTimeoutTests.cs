using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Docker.Tests;

/// <summary>A run's timeout on a docker pool (docs/operations.md): the container is stopped, killed after the grace period when it ignores SIGTERM.</summary>
public sealed class DockerTimeoutTests
{
    private const string Pool = "dock-timeout";

    [SkippableFact]
    public async Task Timeout_ContainerIgnoresSigterm_KilledAfterGraceAndRunFailedTimedOut()
    {
        await using var docker = await DockerTest.StartAsync();
        await using var server = await TestServer.StartAsync(configure: options => options.ServiceInterval = TimeSpan.FromMilliseconds(250));
        await server.Client.PoolAsync(Pool, "docker");
        await using var worker = await TestWorker.StartAsync(server, DockerTest.WorkerOptions(Pool));
        var client = server.Client;
        var deployment = await docker.ShellDeploymentAsync(client, Pool,
            BusyboxFlow.Shell($"trap \"echo ignoring SIGTERM\" TERM; {BusyboxFlow.Propose("RUNNING")}; echo working; while true; do sleep 0.1; done"));

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(TimeoutSeconds: 2));
        var containerId = (await Eventually.ValueAsync(() => client.GetFlowRunAsync(run.Id), r => r is { State.Type: StateType.Running, InfrastructureId: not null },
            "the run is RUNNING in its container")).InfrastructureId!;
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal((StateType.Failed, StateNames.TimedOut), (done.State.Type, done.State.Name));
        Assert.Contains("timeout of 2 s", done.State.Message, StringComparison.Ordinal);
        var container = await docker.InspectAsync(containerId);
        Assert.False(container!.State.Running);
        // SIGTERM was ignored: the worker killed the container once the grace period (3 s in these tests) was over.
        Assert.Equal(137, container.State.ExitCode);
        var logs = await client.FinalLogsAsync(run.Id);
        Assert.Contains(logs, l => l is { Source: LogSource.Infrastructure, Message: "ignoring SIGTERM" });
        Assert.Contains(logs, l => l.Source == LogSource.Server && l.Message.Contains("timeout of 2 s", StringComparison.Ordinal));
    }
}
