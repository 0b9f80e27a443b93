using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Schedules;
using Bosun.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace Bosun.Faults.Tests;

/// <summary>
/// Traces of what the server does on its own (docs/operations.md, Traces): a run the scheduler creates is rooted in an
/// exported span of a trace of its own, and the sweep that made it is a span too (an idle sweep is not), sent by OTLP/HTTP to a receiver on
/// 127.0.0.1 in the test.
/// </summary>
public sealed class SchedulerTraceTests
{
    [Fact]
    public async Task ScheduledRuns_RootSpanAndSchedulerSweepSpan_Exported()
    {
        await using var receiver = await OtlpTraceReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(configure: options => options.ServiceInterval = TimeSpan.FromSeconds(1),
            services: services => services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource("Bosun.Server").AddOtlpExporter(otlp =>
            {
                otlp.Endpoint = new Uri(receiver.Endpoint + "/v1/traces");
                otlp.Protocol = OtlpExportProtocol.HttpProtobuf;
                otlp.BatchExportProcessorOptions.ScheduledDelayMilliseconds = 200;
            })));
        var client = server.Client;
        await client.PoolAsync("traces");
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("hourly", "traces", "cmd", WorkPoolName: "traces",
            Schedules: [new ScheduleSpec(IntervalSeconds: 3600, Anchor: TimeProvider.System.GetUtcNow().AddMinutes(1))]));
        var runs = await Eventually.ValueAsync(async () => (await client.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: deployment.Id))).Items,
            items => items.Count > 0, "the scheduler created the deployment's runs", TimeSpan.FromSeconds(60));

        var run = await client.GetFlowRunAsync(runs[0].Id);
        var (traceId, spanId) = (run.Traceparent!.Split('-')[1], run.Traceparent.Split('-')[2]);
        var root = await Eventually.ValueAsync(() => Task.FromResult(receiver.Spans.FirstOrDefault(span => span.SpanId == spanId)),
            span => span is not null, "the run's root span is exported", TimeSpan.FromSeconds(60));
        Assert.Equal(("Bosun.Server", "bosun.flow_run.create", traceId, ""), (root!.Scope, root.Name, root.TraceId, root.ParentSpanId));
        // Each scheduled run is a trace of its own, not a part of the sweep's.
        var otherRuns = runs.Skip(1).Select(summary => summary.Id).ToList();
        foreach (var id in otherRuns)
        {
            Assert.NotEqual(traceId, (await client.GetFlowRunAsync(id)).Traceparent!.Split('-')[1]);
        }

        var sweep = await Eventually.ValueAsync(() => Task.FromResult(receiver.Spans.FirstOrDefault(span => span.Name == "bosun.sweep SchedulerService")),
            span => span is not null, "the scheduler's sweep span is exported", TimeSpan.FromSeconds(60));
        Assert.Equal(("Bosun.Server", ""), (sweep!.Scope, sweep.ParentSpanId));
        Assert.NotEqual(traceId, sweep.TraceId);
        // A sweep that found nothing to do (the audit log's retention, every second here) is not exported.
        Assert.DoesNotContain(receiver.Spans, span => span.Name == "bosun.sweep AuditRetentionService");
    }
}
