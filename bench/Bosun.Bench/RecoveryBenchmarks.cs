using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Server.Orchestration;

namespace Bosun.Bench;

/// <summary>
/// How long a run stays stuck after its worker dies (issue 14): a real `bosun worker start` is SIGKILLed while it holds a
/// run, and the time until the server's sweep ends the run is measured, with the thresholds at their defaults (worker
/// timeout and heartbeat timeout 90 s, the worker heartbeating every 30 s) and at 10 s (the worker every 3 s).
/// </summary>
internal static class RecoveryBenchmarks
{
    public static async Task<string> StuckRunRecoveryAsync()
    {
        var defaults = await MeasureAsync(null, heartbeatSeconds: 30);
        var tenSeconds = await MeasureAsync(TimeSpan.FromSeconds(10), heartbeatSeconds: 3);
        return $"defaults (90 s): {defaults}; at 10 s: {tenSeconds}";
    }

    /// <summary>The three stuck states at once, each with its own pool and worker: kill → the run's next state, in seconds.</summary>
    private static async Task<string> MeasureAsync(TimeSpan? threshold, int heartbeatSeconds)
    {
        await using var server = await BenchServer.StartAsync(options =>
        {
            if (threshold is { } timeout)
            {
                (options.WorkerTimeout, options.RunHeartbeatTimeout) = (timeout, timeout);
            }
        });
        using var client = server.NewClient();
        var results = await Task.WhenAll(
            PendingAsync(server, client, heartbeatSeconds),
            StateAfterKillAsync(server, client, "running", heartbeatSeconds, cancel: false),
            StateAfterKillAsync(server, client, "cancelling", heartbeatSeconds, cancel: true));
        return string.Join(", ", results);
    }

    /// <summary>PENDING, nothing started: the worker is stopped while its long-poll claims the run, then killed; until re-queued.</summary>
    private static async Task<string> PendingAsync(BenchServer server, BosunClient client, int heartbeatSeconds)
    {
        var deployment = await DeployAsync(client, "pending", "true");
        using var worker = await StartWorkerAsync(server, client, "pending", heartbeatSeconds);
        for (var attempt = 1; ; attempt++)
        {
            await SignalAsync(worker.Id, "STOP");
            var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(ScheduledStartTime: TimeProvider.System.GetUtcNow().AddMinutes(5)));
            if (await WaitForAsync(client, run.Id, r => r.State.Type == StateType.Pending, TimeSpan.FromSeconds(5)) is null && attempt < 5)
            {
                await client.DeleteFlowRunAsync(run.Id);
                await SignalAsync(worker.Id, "CONT");
                await Task.Delay(TimeSpan.FromSeconds(1));
                continue;
            }

            await SignalAsync(worker.Id, "KILL");
            var killed = TimeProvider.System.GetUtcNow();
            var after = await WaitForAsync(client, run.Id, r => r.State.Type != StateType.Pending, TimeSpan.FromMinutes(5));
            return $"PENDING → {after?.State.Type.ToWireName() ?? "still PENDING"} in {Seconds(after, killed)}";
        }
    }

    /// <summary>RUNNING without a heartbeat (a plain command); with <paramref name="cancel"/>, CANCELLING while the worker is stopped.</summary>
    private static async Task<string> StateAfterKillAsync(BenchServer server, BosunClient client, string pool, int heartbeatSeconds, bool cancel)
    {
        var script = $$"""curl -s -o /dev/null -X POST "$BOSUN_API_URL/flow_runs/$BOSUN_FLOW_RUN_ID/set_state" -H 'content-type: application/json' -d '{"type":"RUNNING"}'; sleep 600""";
        var deployment = await DeployAsync(client, pool, script);
        using var worker = await StartWorkerAsync(server, client, pool, heartbeatSeconds);
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var running = await WaitForAsync(client, run.Id, r => r.State.Type == StateType.Running && r.InfrastructureId is not null, TimeSpan.FromMinutes(1))
            ?? throw new InvalidOperationException("The run never reported RUNNING.");
        if (cancel)
        {
            await SignalAsync(worker.Id, "STOP");
            await client.CancelFlowRunAsync(run.Id);
        }

        await SignalAsync(worker.Id, "KILL");
        var killed = TimeProvider.System.GetUtcNow();
        var from = cancel ? StateType.Cancelling : StateType.Running;
        var after = await WaitForAsync(client, run.Id, r => r.State.Type != from, TimeSpan.FromMinutes(5));
        await SignalAsync(-int.Parse(running.InfrastructureId!, CultureInfo.InvariantCulture), "KILL");
        return $"{from.ToWireName()} → {after?.State.Type.ToWireName() ?? "unchanged"} in {Seconds(after, killed)}";
    }

    private static async Task<Deployment> DeployAsync(BosunClient client, string pool, string script)
    {
        await client.CreateWorkPoolAsync(new WorkPoolCreate(pool, "process"));
        var command = $"sh -c '{script.Replace("'", "'\\''", StringComparison.Ordinal)}'";
        return await client.UpsertDeploymentAsync(new DeploymentUpsert("recovery", pool, WorkPoolName: pool, JobVariables: new JsonObject { ["command"] = command }));
    }

    private static async Task<Process> StartWorkerAsync(BenchServer server, BosunClient client, string pool, int heartbeatSeconds)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { BenchArtifacts.CliDll, "worker", "start", "--pool", pool, "--name", pool, "--prefetch-seconds", "600", "--heartbeat-seconds",
            heartbeatSeconds.ToString(CultureInfo.InvariantCulture), "--api-url", server.Server.ApiAddress.ToString() })
        {
            info.ArgumentList.Add(argument);
        }

        var worker = Process.Start(info)!;
        worker.OutputDataReceived += (_, _) => { };
        worker.ErrorDataReceived += (_, _) => { };
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();
        while (!(await client.ListWorkersAsync(pool)).Any(w => w.Name == pool))
        {
            await Task.Delay(50);
        }

        return worker;
    }

    private static async Task<FlowRun?> WaitForAsync(BosunClient client, Guid runId, Func<FlowRun, bool> accept, TimeSpan timeout)
    {
        var deadline = TimeProvider.System.GetUtcNow() + timeout;
        while (TimeProvider.System.GetUtcNow() < deadline)
        {
            var run = await client.GetFlowRunAsync(runId);
            if (accept(run))
            {
                return run;
            }

            await Task.Delay(50);
        }

        return null;
    }

    private static async Task SignalAsync(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { $"-{signal}", "--", pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        await kill.WaitForExitAsync();
    }

    private static string Seconds(FlowRun? after, DateTimeOffset killed) =>
        after is null ? "(timed out)" : $"{(after.State.Timestamp - killed).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";
}
