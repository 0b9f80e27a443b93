using System.Diagnostics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Bosun.Sdk;

/// <summary>
/// The flow process's spans (docs/operations.md, Traces): the flow run, below the worker's span its <c>TRACEPARENT</c>
/// names, and each task run below it; the flow's own <see cref="System.Net.Http.HttpClient"/> calls join as their children.
/// </summary>
internal static class SdkTracing
{
    public const string SourceName = "Bosun.Sdk";

    /// <summary>The W3C trace context a worker gives the flow process it starts.</summary>
    public const string TraceparentVariable = "TRACEPARENT";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The span context in <c>TRACEPARENT</c>; default (none) when it is not set or not valid.</summary>
    public static ActivityContext ParentFromEnvironment() =>
        ActivityContext.TryParse(Environment.GetEnvironmentVariable(TraceparentVariable), null, out var parent) ? parent : default;

    /// <summary>
    /// Exports the flow process's spans and its HttpClient spans by OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the
    /// exporter reads the other standard <c>OTEL_*</c> variables itself); disposing it sends what is left. Null otherwise.
    /// </summary>
    public static TracerProvider? StartExport() =>
        string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"))
            ? null
            : global::OpenTelemetry.Sdk.CreateTracerProviderBuilder()
                .ConfigureResource(resource => resource.AddService(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? "bosun-flow"))
                .AddSource(SourceName, "System.Net.Http")
                .AddOtlpExporter()
                .Build();
}
