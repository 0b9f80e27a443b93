using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Bosun.Contracts.Automations;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;

namespace Bosun.Bench;

/// <summary>How fast an automation's webhook follows the event that fires it.</summary>
internal static class AutomationBenchmarks
{
    private const int WarmUps = 20;

    /// <summary>
    /// A run_state FAILED automation posting to a receiver on 127.0.0.1, server options at their defaults. Per sample: a run
    /// is created and moved to RUNNING, then the clock starts, FAILED is proposed through the API, and the clock stops when the
    /// webhook's request (headers and body) has arrived at the receiver.
    /// </summary>
    public static async Task<string> EventToWebhookLatencyAsync(int samples)
    {
        await using var server = await BenchServer.StartAsync();
        using var client = server.NewClient();
        await client.CreateWorkPoolAsync(new WorkPoolCreate("bench", "process"));
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("bench-flow", "bench", "bench", WorkPoolName: "bench"));
        using var listener = new HttpListener();
        var url = $"http://127.0.0.1:{FreePort()}/";
        listener.Prefixes.Add(url);
        listener.Start();
        await client.CreateAutomationAsync(new AutomationCreate("bench-on-failure", new AutomationTrigger(AutomationTriggerKind.RunState, [StateType.Failed]),
            [new AutomationAction(AutomationActionKind.Webhook, url)]));

        var latencies = new List<double>(samples);
        for (var i = 0; i < WarmUps + samples; i++)
        {
            var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
            await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
            var arrival = listener.GetContextAsync();
            var stopwatch = Stopwatch.StartNew();
            await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Failed, Message: "bench"));
            var context = await arrival;
            await context.Request.InputStream.CopyToAsync(Stream.Null);
            var elapsed = stopwatch.Elapsed.TotalMilliseconds;
            context.Response.StatusCode = 200;
            context.Response.Close();
            if (i >= WarmUps)
            {
                latencies.Add(elapsed);
            }
        }

        var load = LoadAverage.OneMinute();
        return $"event -> webhook (FAILED proposed -> request at the receiver): {new Stats(latencies)}, load {load:0.0}";
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
