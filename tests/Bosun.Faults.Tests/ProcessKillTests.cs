using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Testing;
using Xunit.Abstractions;

namespace Bosun.Faults.Tests;

/// <summary>
/// kill -9 of a flow-run process, of its worker, and of both (the machine is gone), while the run is RUNNING; and of a
/// serving process running a run in-process while another process serves the same deployment.
/// </summary>
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

    [Fact]
    public Task ServingProcessKilled_AnotherServesTheDeployment_ItsInProcessRunCrashesAfterTheWorkerTimeout() => Stores.EachAsync(async postgres =>
    {
        var workerTimeout = TimeSpan.FromSeconds(6);
        await using var server = await TestServer.StartAsync(configure: options =>
        {
            options.WorkerTimeout = workerTimeout;
            // The living process polls every second, so the deployment it serves with the dead one is always fresh.
            options.MaxClaimWait = TimeSpan.FromSeconds(1);
            options.ServiceInterval = TimeSpan.FromMilliseconds(500);
        }, postgres: postgres);
        var directory = TempDirectory.Create("bosun-fault");
        var gate = Path.Combine(directory, "gate");
        try
        {
            // Runs in-process do not heartbeat during the test: only the process that claimed the run watches it.
            var environment = new Dictionary<string, string?>
            {
                ["BOSUN_API_URL"] = server.ApiUrl.ToString(),
                ["BOSUN_FLOW_RUN_ID"] = null,
                ["BOSUN_RUN_HEARTBEAT_SECONDS"] = "3600",
            };
            await using var dead = await ServeGateAsync(environment);
            var deployment = await server.Client.GetDeploymentByNameAsync("gate/served");
            var run = await server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["gate"] = gate, ["lines"] = 10 }));
            var running = await Eventually.ValueAsync(() => server.Client.GetFlowRunAsync(run.Id), r => r.State.Type == StateType.Running,
                "the run is RUNNING in the first serving process", TimeSpan.FromSeconds(60));
            await using var alive = await ServeGateAsync(environment);

            dead.KillAlone();
            await dead.WaitForExitAsync();
            var killed = Stopwatch.StartNew();

            var done = await Eventually.ValueAsync(() => server.Client.GetFlowRunAsync(run.Id), r => r.State.Type.IsTerminal(),
                "the dead process's run is finished", TimeSpan.FromSeconds(90));
            Assert.Equal(StateType.Crashed, done.State.Type);
            Assert.Contains($"'{running.WorkerName}' has not been heard from", done.State.Message, StringComparison.Ordinal);
            Assert.Null(done.LastHeartbeat);
            output.WriteLine($"{(postgres ? "PostgreSQL" : "SQLite")}: CRASHED {killed.Elapsed.TotalSeconds:0.0} s after the kill (worker timeout {workerTimeout.TotalSeconds} s)");

            // The living process serves on: a run created now completes in it.
            await File.WriteAllTextAsync(gate, "");
            var next = await server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["gate"] = gate, ["lines"] = 2 }));
            var completed = await Eventually.ValueAsync(() => server.Client.GetFlowRunAsync(next.Id), r => r.State.Type.IsTerminal(),
                "the next run is finished", TimeSpan.FromSeconds(60));
            Assert.Equal(StateType.Completed, completed.State.Type);
            Assert.NotEqual(running.WorkerName, completed.WorkerName);
        }
        finally
        {
            TempDirectory.Delete(directory);
        }
    });

    private static Task<ChildProcess> ServeGateAsync(Dictionary<string, string?> environment) =>
        ChildProcess.ServeTestFlowAsync("gate", environment, ["--in-process"]);
}
