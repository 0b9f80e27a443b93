using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Bosun.Worker;

/// <summary>
/// The worker's spans (docs/operations.md, Traces): each claim, and per run its execution (in the run's own trace, from
/// the traceparent the server stored with it) with the infrastructure's start below it; the flow process gets that
/// execution span as its <c>TRACEPARENT</c>.
/// </summary>
internal static class WorkerTracing
{
    public const string SourceName = "Bosun.Worker";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The span context of a run's stored traceparent; default (no parent) when it has none.</summary>
    public static ActivityContext ParentOf(string? traceparent) =>
        ActivityContext.TryParse(traceparent, null, out var parent) ? parent : default;

    private static bool Enabled => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));

    /// <summary>
    /// In a host: exports the worker's spans, and those of its HTTP calls to the server, by OTLP when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; the exporter reads the other standard <c>OTEL_*</c> variables itself.
    /// </summary>
    public static void AddOtlpTracing(IServiceCollection services)
    {
        if (Enabled)
        {
            services.AddOpenTelemetry().ConfigureResource(Describe).WithTracing(tracing => tracing.AddSource(SourceName, "System.Net.Http").AddOtlpExporter());
        }
    }

    /// <summary>Without a host (<c>bosun worker start</c>): the same export, until disposed (which sends what is left); null when not switched on.</summary>
    public static TracerProvider? StartExport() =>
        Enabled
            ? OpenTelemetry.Sdk.CreateTracerProviderBuilder().ConfigureResource(Describe).AddSource(SourceName, "System.Net.Http").AddOtlpExporter().Build()
            : null;

    private static void Describe(ResourceBuilder resource) => resource.AddService(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? "bosun-worker");
}
