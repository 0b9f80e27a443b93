using Bosun.Contracts.Metrics;
using Bosun.Server.Api.Security;
using Bosun.Server.Orchestration.Metrics;
using Bosun.Server.Orchestration.Security;

namespace Bosun.Server.Api.Metrics;

/// <summary>
/// /metrics: Prometheus text for any API key (the read permission) when the server requires keys; a 404 problem naming
/// the setting when the server was started with <c>--no-metrics</c>.
/// </summary>
internal static class MetricsEndpoints
{
    public const string Path = "/metrics";

    public static void MapMetrics(this IEndpointRouteBuilder app, bool enabled)
    {
        var route = enabled
            ? app.MapGet(Path, async (MetricsService metrics, CancellationToken ct) => TypedResults.Text(await metrics.RenderAsync(ct), PrometheusExporter.ContentType))
            : app.MapGet(Path, () => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Metrics are switched off",
                detail: "This server was started with --no-metrics (BOSUN_NO_METRICS): it collects no metrics. Scrape another replica, or start it without the setting."));
        route.WithTags("Metrics").WithName("GetMetrics").Requires(Permission.Read).ExcludeFromDescription();
    }
}
