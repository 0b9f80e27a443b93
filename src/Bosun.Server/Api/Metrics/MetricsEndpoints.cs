using Bosun.Contracts.Metrics;
using Bosun.Server.Api.Security;
using Bosun.Server.Orchestration.Metrics;
using Bosun.Server.Orchestration.Security;

namespace Bosun.Server.Api.Metrics;

/// <summary>/metrics: Prometheus text for any API key (the read permission) when the server requires keys.</summary>
internal static class MetricsEndpoints
{
    public const string Path = "/metrics";

    public static void MapMetrics(this IEndpointRouteBuilder app) =>
        app.MapGet(Path, async (MetricsService metrics, CancellationToken ct) => TypedResults.Text(await metrics.RenderAsync(ct), PrometheusExporter.ContentType))
            .WithTags("Metrics").WithName("GetMetrics").Requires(Permission.Read).ExcludeFromDescription();
}
