using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Faults.Tests;

/// <summary>
/// Traces (docs/operations.md): a real `bosun server start`, a real `bosun worker start` on a process pool and the flow
/// process it starts, each exporting by OTLP/HTTP — switched on by the standard OTEL_* variables only — to a receiver in
/// the test, put one run's whole life into one trace.
/// </summary>
public sealed class TraceTests
{
    [Fact]
    public async Task ProcessPoolRun_ServerWorkerAndFlowProcess_OneTraceWithNestedSpansAndTracedLogLines()
    {
        await using var receiver = await OtlpTraceReceiver.StartAsync();
        var directory = TempDirectory.Create("bosun-traces");
        var database = await TestDatabases.ForDirectoryAsync(directory);
        var otel = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        };
        var port = StablePorts.Next();
        await using var server = ChildProcess.StartCli(["server", "start", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--database", database, "--key-file", Path.Combine(directory, "bosun.key")], otel);
        await server.WaitForLineAsync("Press Ctrl+C to stop.");
        var apiUrl = new Uri($"http://127.0.0.1:{port}/api/");
        using var client = new BosunClient(new BosunClientOptions { ApiUrl = apiUrl });
        await client.PoolAsync("traces");
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("cached-tasks", "traces", $"dotnet {RepoPaths.TestFlowsDll}", WorkPoolName: "traces"));
        await using var worker = ChildProcess.StartCli(["worker", "start", "--pool", "traces"], new Dictionary<string, string?>(otel) { ["BOSUN_API_URL"] = apiUrl.ToString() });
        await worker.WaitForLineAsync("started!");

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["repo"] = "bosun/traces" }));
        var done = await Eventually.ValueAsync(() => client.GetFlowRunAsync(run.Id), r => r.State.Type.IsTerminal(), "the run is finished", TimeSpan.FromSeconds(120));
        Assert.Equal(StateType.Completed, done.State.Type);

        var traceId = run.Traceparent!.Split('-')[1];
        List<ExportedSpan> trace = [];
        try
        {
            await Eventually.WaitUntilAsync(() =>
            {
                trace = receiver.Spans.Where(span => span.TraceId == traceId).ToList();
                // Each process exports on its own batch schedule; the worker's span ends after the run does.
                return Task.FromResult(trace.Count(span => span.Name == "bosun.task_run") == 2 && trace.Any(span => span.Name == "bosun.flow_run")
                    && trace.Any(span => span.Name == "bosun.worker.flow_run") && trace.Any(span => span.Name == "bosun.flow_run.claim"));
            }, "the run's spans from the server, the worker and the flow process are exported", TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} Spans of the trace: {string.Join(", ", trace.Select(span => $"{span.Scope}/{span.Name}"))}; " +
                $"all scopes: {string.Join(", ", receiver.Spans.Select(span => span.Scope).Distinct())}", ex);
        }

        var create = Assert.Single(trace, span => span.Name == "bosun.flow_run.create");
        Assert.Equal("Bosun.Server", create.Scope);
        Assert.Equal(create.SpanId, run.Traceparent.Split('-')[2]);
        Assert.Contains(trace, span => span is { Scope: "Bosun.Server", Name: "bosun.flow_run.claim" });
        var workerSpan = Assert.Single(trace, span => span.Name == "bosun.worker.flow_run");
        Assert.Equal(("Bosun.Worker", create.SpanId), (workerSpan.Scope, workerSpan.ParentSpanId));
        Assert.Contains(trace, span => span.Name == "bosun.worker.infrastructure.start" && span.ParentSpanId == workerSpan.SpanId);
        var flowSpan = Assert.Single(trace, span => span.Name == "bosun.flow_run");
        Assert.Equal(("Bosun.Sdk", workerSpan.SpanId), (flowSpan.Scope, flowSpan.ParentSpanId));
        var tasks = trace.Where(span => span.Name == "bosun.task_run").ToList();
        Assert.All(tasks, task => Assert.Equal(flowSpan.SpanId, task.ParentSpanId));
        // The flow process's calls to the API carry the trace (traceparent header): the server's request spans join it.
        Assert.Contains(trace, span => span.Scope == "System.Net.Http" && span.ParentSpanId == flowSpan.SpanId);
        Assert.Contains(trace, span => span.Scope == "Microsoft.AspNetCore");

        var lines = await client.AllLogsAsync(run.Id);
        Assert.Contains(lines, line => line.Message.Contains("task body: fetching stars", StringComparison.Ordinal)
            && line.TraceId == traceId && tasks.Any(task => task.SpanId == line.SpanId));
        Assert.Contains(lines, line => line.Message.StartsWith("Started process infrastructure", StringComparison.Ordinal)
            && (line.TraceId, line.SpanId) == (traceId, workerSpan.SpanId));

        server.Terminate();
        worker.Terminate();
        await Task.WhenAll(server.WaitForExitAsync(), worker.WaitForExitAsync());
        await TestDatabases.DeleteDirectoryAsync(directory);
    }
}
