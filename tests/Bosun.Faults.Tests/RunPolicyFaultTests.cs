using System.Diagnostics;
using System.Globalization;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Faults.Tests;

/// <summary>
/// A deployment's run policies against real processes (docs/operations.md): a timeout fires the flow's token and the
/// run ends FAILED "TimedOut"; crash retries start a CRASHED run again on fresh infrastructure, after a kill -9 of its
/// flow process and after its worker and process died together (a zombie).
/// </summary>
public sealed class RunPolicyFaultTests
{
    [Fact]
    public Task Timeout_ProcessRun_FlowTokenFiresAndRunFailedTimedOut() => Stores.EachAsync(async postgres =>
    {
        await using var scenario = await FaultScenario.StartAsync(postgres, options => options.ServiceInterval = TimeSpan.FromMilliseconds(250),
            policy: deployment => deployment with { TimeoutSeconds = 5 });
        var run = await scenario.StartRunHeldAtGateAsync();
        var process = Process.GetProcessById(int.Parse(run.InfrastructureId!, CultureInfo.InvariantCulture));

        var (done, _) = await scenario.WaitForFinalStateAsync(run.Id, TimeSpan.FromSeconds(60));

        Assert.Equal((StateType.Failed, StateNames.TimedOut), (done.State.Type, done.State.Name));
        Assert.Contains("timeout of 5 s", done.State.Message, StringComparison.Ordinal);
        // The gate flow waits on its token: the token fired, the flow returned, the process ended by itself.
        var logs = await scenario.LogsAsync(run.Id);
        Assert.Contains(logs, line => line.Message.StartsWith("The flow stopped: timed out", StringComparison.Ordinal));
        Assert.False(scenario.FlowReturned);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var history = await scenario.Server.Client.GetFlowRunStatesAsync(run.Id);
        Assert.Equal([StateNames.TimingOut, StateNames.TimedOut], history.TakeLast(2).Select(state => state.Name));
    });

    [Fact]
    public Task FlowProcessKilled_CrashRetry_NewAttemptOnAFreshProcessCompletes() => Stores.EachAsync(async postgres =>
    {
        await using var scenario = await FaultScenario.StartAsync(postgres, policy: deployment => deployment with { CrashRetries = 1 });
        var run = await scenario.StartRunHeldAtGateAsync();

        Process.GetProcessById(int.Parse(run.InfrastructureId!, CultureInfo.InvariantCulture)).Kill();
        var second = await Eventually.ValueAsync(() => scenario.Server.Client.GetFlowRunAsync(run.Id),
            r => r is { State.Type: StateType.Running, InfrastructureId: not null } && r.InfrastructureId != run.InfrastructureId,
            "the new attempt runs in a new process", TimeSpan.FromSeconds(90));
        scenario.OpenGate();

        var (done, _) = await scenario.WaitForFinalStateAsync(run.Id, TimeSpan.FromSeconds(90));
        Assert.Equal(StateType.Completed, done.State.Type);
        Assert.Equal(2, done.RunCount);
        Assert.NotEqual(run.InfrastructureId, second.InfrastructureId);
        var retry = Assert.Single(await scenario.Server.Client.GetFlowRunStatesAsync(run.Id), state => state.Name == StateNames.AwaitingCrashRetry);
        Assert.Contains("killed (exit code 137", retry.Message, StringComparison.Ordinal);
    });

    [Fact]
    public Task WorkerAndFlowProcessKilled_CrashRetry_AnotherWorkerRunsTheNewAttempt() => Stores.EachAsync(async postgres =>
    {
        await using var scenario = await FaultScenario.StartAsync(postgres, options =>
        {
            options.RunHeartbeatTimeout = TimeSpan.FromSeconds(6);
            options.ServiceInterval = TimeSpan.FromMilliseconds(500);
        }, flowHeartbeatSeconds: 1, policy: deployment => deployment with { CrashRetries = 1 });
        var run = await scenario.StartRunHeldAtGateAsync();

        using var flowProcess = Process.GetProcessById(int.Parse(run.InfrastructureId!, CultureInfo.InvariantCulture));
        scenario.Worker.Kill();
        Assert.True(flowProcess.WaitForExit(TimeSpan.FromSeconds(30)), $"the flow process {run.InfrastructureId} outlived its worker's process tree");
        var seen = run;
        await Eventually.WaitUntilAsync(async () => (seen = await scenario.Server.Client.GetFlowRunAsync(run.Id)).State.Name == StateNames.AwaitingCrashRetry,
            "the zombie is scheduled again", TimeSpan.FromSeconds(60), () => $"the run is {seen.State.Type} '{seen.State.Name}' ({seen.State.Message}), last heartbeat {seen.LastHeartbeat:O}");
        await using var replacement = await FaultScenario.StartWorkerAsync(scenario.Server, flowHeartbeatSeconds: 1);
        await Eventually.ValueAsync(() => scenario.Server.Client.GetFlowRunAsync(run.Id), r => r.State.Type == StateType.Running && r.InfrastructureId != run.InfrastructureId,
            "the replacement worker runs the new attempt", TimeSpan.FromSeconds(90));
        scenario.OpenGate();

        var (done, _) = await scenario.WaitForFinalStateAsync(run.Id, TimeSpan.FromSeconds(90));
        Assert.Equal(StateType.Completed, done.State.Type);
        var retry = Assert.Single(await scenario.Server.Client.GetFlowRunStatesAsync(run.Id), state => state.Name == StateNames.AwaitingCrashRetry);
        Assert.Contains("stopped heartbeating", retry.Message, StringComparison.Ordinal);
    });
}
