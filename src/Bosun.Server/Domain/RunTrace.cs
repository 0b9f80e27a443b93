using System.Diagnostics;

namespace Bosun.Server.Domain;

/// <summary>The W3C traceparent a run is stored with (docs/operations.md, Traces).</summary>
internal static class RunTrace
{
    /// <summary>The span the run is created in, or a fresh trace when there is none, so that every run has a trace of its own to continue.</summary>
    public static string NewTraceparent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C, Id: { } id } ? id : NewRootTraceparent();

    /// <summary>A fresh trace of the run's own, whatever span is current (a run made by a sweep is not part of the sweep's trace).</summary>
    public static string NewRootTraceparent() => $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01";
}
