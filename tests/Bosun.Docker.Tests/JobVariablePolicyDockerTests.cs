using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Docker.Tests;

/// <summary>
/// A docker pool's job-variable policy at the worker, with real containers: runs accepted while the pool was open, then
/// the policy is tightened before a worker claims them. The locked values win in the container the worker creates, and
/// a value a constrained rule refuses creates no container at all.
/// </summary>
public sealed class JobVariablePolicyDockerTests
{
    private const string Pool = "guarded";

    [SkippableFact]
    public async Task Worker_PolicyTightenedAfterRunsWereAccepted_LockedValuesWinInTheContainerAndRefusedRunCreatesNone()
    {
        await using var docker = await DockerTest.StartAsync();
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.CreateWorkPoolAsync(new WorkPoolCreate(Pool, WorkPoolTypes.Docker) { JobVariablePolicy = new Dictionary<string, JobVariableRule>() });
        var folder = TempDirectory.Create("bosun-host");
        await File.WriteAllTextAsync(Path.Combine(folder, "secret.txt"), "host data\n");
        var escalated = await docker.ShellDeploymentAsync(client, Pool,
            BusyboxFlow.Shell("if [ -e /host/secret.txt ]; then echo host-mounted; else echo no-host-mount; fi"),
            new JsonObject { ["privileged"] = true, ["volumes"] = new JsonArray($"{folder}:/host") });
        var oversized = await docker.ShellDeploymentAsync(client, Pool, BusyboxFlow.Shell("echo started"), new JsonObject { ["mem_limit"] = "1g" }, name: "oversized");
        var lockedRun = await client.CreateFlowRunAsync(escalated.Id, new FlowRunCreate());
        var refusedRun = await client.CreateFlowRunAsync(oversized.Id, new FlowRunCreate());
        await client.UpdateWorkPoolAsync(Pool, new WorkPoolUpdate
        {
            JobVariablePolicy = new Dictionary<string, JobVariableRule>
            {
                ["privileged"] = new(JobVariableRuleMode.Locked),
                ["volumes"] = new(JobVariableRuleMode.Locked),
                ["mem_limit"] = new(JobVariableRuleMode.Constrained, Maximum: JsonValue.Create("64m")),
            },
        });
        await using var worker = await TestWorker.StartAsync(server, DockerTest.WorkerOptions(Pool));

        var locked = await client.WaitForTerminalAsync(lockedRun.Id);
        var refused = await client.WaitForTerminalAsync(refusedRun.Id);

        var container = (await docker.InspectAsync(locked.InfrastructureId!))!;
        Assert.False(container.HostConfig.Privileged);
        Assert.Empty(container.Mounts);
        var logs = await client.FinalLogsAsync(lockedRun.Id);
        Assert.Contains(logs, l => l is { Source: LogSource.Infrastructure, Message: "no-host-mount" });
        Assert.Contains(logs, l => l.Message.Contains("set privileged to the pool's value (privileged is locked to false)", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.Message.Contains("set volumes to the pool's value (volumes is locked to unset)", StringComparison.Ordinal));

        Assert.Equal(StateType.Crashed, refused.State.Type);
        Assert.Contains("job-variable policy refuses mem_limit (constrained to at most \"64m\")", refused.State.Message, StringComparison.Ordinal);
        Assert.Null(refused.InfrastructureId);
        Assert.Single(await docker.ContainersAsync());
        TempDirectory.Delete(folder);
    }
}
