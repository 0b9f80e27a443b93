using System.Diagnostics;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
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
    /// The span of a state change of a run: <paramref name="proposed"/> answered <paramref name="status"/> with the run
    /// now in <paramref name="state"/>; by a state proposal, or by a claim that started the run.
    /// </summary>
    public static void RecordStateChange(
        string? traceparent, DateTimeOffset started, Guid runId, StateType proposed, SetStateStatus status, FlowRunState state) =>
        Record("bosun.flow_run.state", traceparent, started, runId,
            ("bosun.state.proposed", proposed.ToWireName()), ("bosun.state.status", status.ToString()),
            ("bosun.state.type", state.Type.ToWireName()), ("bosun.state.name", state.Name));

    /// <summary>
    /// The root span of a run the server makes on its own (the scheduler), in a new trace of the run's own, linked to
    /// <paramref name="cause"/> (the sweep that made it); its id is the run's traceparent, so the run's claim, state
    /// changes, worker and flow spans hang below a span that is exported. Null when nobody listens (or it is not sampled):
    /// the run then gets a fresh trace id of its own (<see cref="Domain.RunTrace.NewRootTraceparent"/>). Disposing ends it
    /// and gives the caller back its current span.
    /// </summary>
    public static RootSpan StartRunRoot(string name, Activity? cause)
    {
        var previous = Activity.Current;
        if (!Source.HasListeners())
        {
            return new RootSpan(null, previous);
        }

        Activity.Current = null;
        var activity = Source.StartActivity(name, ActivityKind.Internal, default(ActivityContext),
            links: cause is null ? null : [new ActivityLink(cause.Context)]);
        return new RootSpan(activity is { Recorded: true, IdFormat: ActivityIdFormat.W3C } ? activity : null, previous, activity);
    }

    /// <summary>A run's root span (<see cref="StartRunRoot"/>): <see cref="Traceparent"/> for the run; dispose to end it.</summary>
    public readonly struct RootSpan(Activity? span, Activity? previous, Activity? started = null) : IDisposable
    {
        public Activity? Span => span;

        /// <summary>The span's W3C traceparent, or a fresh trace's when no span is recorded.</summary>
        public string Traceparent => span?.Id ?? Domain.RunTrace.NewRootTraceparent();

        /// <summary>
        /// Keeps the span from being exported (exporters skip a span not marked recorded when it ends): the run it was
        /// started for was not made, another sweep's insert of the same slot having won, so it would be the root of a trace
        /// no run continues.
        /// </summary>
        public void Discard()
        {
            if (started is not null)
            {
                started.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
                started.IsAllDataRequested = false;
            }
        }

        public void Dispose()
        {
            started?.Dispose();
            Activity.Current = previous;
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
