using System.Diagnostics;
using System.Globalization;
using Bosun.Contracts.States;
using Bosun.Testing;
using Xunit.Abstractions;

namespace Bosun.Faults.Tests;

/// <summary>kill -9 of a flow-run process, of its worker, and of both (the machine is gone), while the run is RUNNING.</summary>
public sealed class ProcessKillTests(ITestOutputHelper output)
{
    [Fact]
    public Task FlowProcessKilled_WorkerReportsCrashedWithTheExitExplained() => Stores.EachAsync(async postgres =>
    {
        await using var scenario = await FaultScenario.StartAsync(postgres);
        var run = await scenario.StartRunHeldAtGateAsync();
        var before = await scenario.FlowLinesAsync(run.Id);

        Process.GetProcessById(int.Parse(run.InfrastructureId!, CultureInfo.InvariantCulture)).Kill();

        var (done, lines) = await scenario.WaitForFinalStateAsync(run.Id, TimeSpan.FromSeconds(60));
        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Contains("killed (exit code 137", done.State.Message, StringComparison.Ordinal);
        Assert.Equal(before, lines);
    });

    [Fact]
    public Task WorkerAndFlowProcessKilled_HeartbeatsStop_ZombieRuleCrashesTheRunWithinThreeThresholds() => Stores.EachAsync(async postgres =>
    {
        var threshold = TimeSpan.FromSeconds(8);
        await using var scenario = await FaultScenario.StartAsync(postgres, options =>
        {
            options.RunHeartbeatTimeout = threshold;
            options.ServiceInterval = TimeSpan.FromMilliseconds(500);
        }, flowHeartbeatSeconds: 1);
        var run = await scenario.StartRunHeldAtGateAsync();
        Assert.NotNull(run.LastHeartbeat);

        scenario.Worker.Kill();
        var killed = Stopwatch.StartNew();

        var (done, _) = await scenario.WaitForFinalStateAsync(run.Id, 3 * threshold);
        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Contains("stopped heartbeating", done.State.Message, StringComparison.Ordinal);
        output.WriteLine($"{(postgres ? "PostgreSQL" : "SQLite")}: CRASHED {killed.Elapsed.TotalSeconds:0.0} s after the kill (threshold {threshold.TotalSeconds} s)");
    });

    [Fact]
    public Task WorkerAloneKilled_FlowProcessLivesOn_RunCompletesWithEveryLine() => Stores.EachAsync(async postgres =>
    {
        await using var scenario = await FaultScenario.StartAsync(postgres);
        var run = await scenario.StartRunHeldAtGateAsync();

        scenario.Worker.KillAlone();
        await scenario.Worker.WaitForExitAsync();
        scenario.OpenGate();

        var (done, lines) = await scenario.WaitForFinalStateAsync(run.Id, TimeSpan.FromSeconds(90));
        Assert.Equal(StateType.Completed, done.State.Type);
        FaultScenario.AssertEveryLineOnce(lines);
    });
}
