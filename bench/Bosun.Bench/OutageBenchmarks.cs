using System.Diagnostics;
using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;

namespace Bosun.Bench;

/// <summary>The reliability issue's benchmark: a flow that ends while the server is away for a minute.</summary>
internal static class OutageBenchmarks
{
    private const int Lines = 3000;

    private static string Root => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));

    // The tests' "gate" flow: "line 1".."line N", holding after the first half until its gate file exists.
    private static string GateFlowDll => Path.Combine(Root, "tests", "Bosun.Sdk.TestFlows", "bin", BenchArtifacts.Configuration, "net10.0", "Bosun.Sdk.TestFlows.dll");


    /// <summary>
    /// <paramref name="samples"/> stages at once (each its own server, `bosun worker start` process and flow-run
    /// process): the flow prints half its 3,000 lines, the server stops, the flow prints the rest and returns, the server
    /// stays away <paramref name="outage"/> more and starts again on the same store and port. Measured: from the flow's
    /// return to the run's COMPLETED, and from the server's restart to COMPLETED; checked: COMPLETED, every line once.
    /// </summary>
    public static async Task<string> CompleteAcrossOutageAsync(int samples, TimeSpan outage)
    {
        var results = await Task.WhenAll(Enumerable.Range(0, samples).Select(_ => OneAsync(outage)));
        var lost = results.Sum(r => r.Lost);
        var states = string.Join(", ", results.Select(r => r.State).Distinct());
        return $"{samples} flows ending in a {outage.TotalSeconds:0} s outage: states {states}, lines lost {lost}; " +
            $"flow end -> COMPLETED {string.Join(" / ", results.Select(r => $"{r.FromFlowEnd.TotalSeconds:0.0}"))} s, " +
            $"server back -> COMPLETED {string.Join(" / ", results.Select(r => $"{r.FromRestart.TotalSeconds:0.00}"))} s";
    }

    private static async Task<(StateType State, int Lost, TimeSpan FromFlowEnd, TimeSpan FromRestart)> OneAsync(TimeSpan outage)
    {
        // The zombie threshold above the outage: a restarted server does not yet excuse the heartbeats it missed itself.
        await using var server = await BenchServer.StartAsync(options => options.RunHeartbeatTimeout = TimeSpan.FromMinutes(10));
        using var client = server.NewClient();
        await client.CreateWorkPoolAsync(new WorkPoolCreate("outage", "process"));
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("gate", "outage", $"'{Environment.ProcessPath}' '{GateFlowDll}'", WorkPoolName: "outage"));
        var info = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { BenchArtifacts.CliDll, "worker", "start", "--pool", "outage", "--api-url", server.Server.ApiAddress.ToString() })
        {
            info.ArgumentList.Add(argument);
        }

        using var worker = Process.Start(info)!;
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();
        var gate = Path.Combine(Path.GetTempPath(), $"bosun-bench-gate-{Guid.NewGuid():N}");
        try
        {
            var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["gate"] = gate, ["lines"] = Lines }));
            while ((await FlowLinesAsync(client, run.Id)).Count < Lines / 2)
            {
                await Task.Delay(50);
            }

            await server.StopAsync();
            await File.WriteAllTextAsync(gate, "");
            while (!File.Exists(gate + ".done"))
            {
                await Task.Delay(10);
            }

            var flowEnded = Stopwatch.StartNew();
            await Task.Delay(outage);
            await server.RestartAsync();
            var restarted = Stopwatch.StartNew();
            FlowRun done;
            while (!(done = await client.GetFlowRunAsync(run.Id)).State.Type.IsTerminal())
            {
                await Task.Delay(5);
            }

            var fromFlowEnd = flowEnded.Elapsed;
            var fromRestart = restarted.Elapsed;
            var lines = await FlowLinesAsync(client, run.Id);
            var lost = Enumerable.Range(1, Lines).Select(i => $"line {i}").Except(lines).Count();
            return (done.State.Type, lost, fromFlowEnd, fromRestart);
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync();
            File.Delete(gate);
            File.Delete(gate + ".done");
        }
    }

    private static async Task<List<string>> FlowLinesAsync(BosunClient client, Guid runId)
    {
        var lines = new List<string>();
        long after = 0;
        while (true)
        {
            var page = await client.ReadLogsAsync(runId, after, 500);
            lines.AddRange(page.Items.Where(l => l.Source == LogSource.Flow).Select(l => l.Message));
            if (page.Items.Count < 500)
            {
                return lines;
            }

            after = page.Items[^1].Id;
        }
    }
}
