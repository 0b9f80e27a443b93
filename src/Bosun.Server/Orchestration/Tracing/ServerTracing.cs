using System.Diagnostics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Bosun.Server.Orchestration.Tracing;

/// <summary>
/// The server's spans (docs/operations.md, Traces): a run's creation, its claim and each state change, all in the run's
/// own trace, whose W3C traceparent is stored with the run so that its worker and flow process continue it.
/// </summary>
internal static class ServerTracing
{
    public const string SourceName = "Bosun.Server";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// A span of <paramref name="traceparent"/>'s run, already over: it began at <paramref name="started"/>, before the run
    /// (and so its trace) was read. Nothing when nobody listens or the run has no traceparent (created before traces).
    /// </summary>
    public static void Record(string name, string? traceparent, DateTimeOffset started, Guid runId, params (string Key, object? Value)[] tags)
    {
        if (!Source.HasListeners() || !ActivityContext.TryParse(traceparent, null, out var parent))
        {
            return;
        }

        using var activity = Source.StartActivity(name, ActivityKind.Internal, parent, startTime: started);
        if (activity is null)
        {
            return;
        }

        activity.SetTag("bosun.flow_run.id", runId.ToString());
        foreach (var (key, value) in tags)
        {
            activity.SetTag(key, value);
        }
    }

    /// <summary>
    /// Exports the server's spans and ASP.NET Core's request spans by OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set;
    /// the exporter reads the other standard <c>OTEL_*</c> variables (protocol, headers, batch delay) itself.
    /// </summary>
    public static void AddOtlpTracing(this IServiceCollection services, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(configuration["OTEL_SERVICE_NAME"] ?? "bosun-server"))
            .WithTracing(tracing => tracing.AddSource(SourceName).AddAspNetCoreInstrumentation().AddOtlpExporter());
    }
}
