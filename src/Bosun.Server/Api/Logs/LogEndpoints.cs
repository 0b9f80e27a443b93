using Bosun.Contracts;
using Bosun.Contracts.Logs;
using Bosun.Server.Api.Security;
using Bosun.Server.Orchestration.Logs;
using Bosun.Server.Orchestration.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Bosun.Server.Api.Logs;

/// <summary>/api/logs (batched write) and /api/flow_runs/{id}/logs (paged read, live follow as server-sent events).</summary>
internal static class LogEndpoints
{
    public static void MapLogs(this IEndpointRouteBuilder api)
    {
        api.MapPost(ApiRoutes.Logs, async Task<NoContent> (IReadOnlyList<LogCreate> lines, LogService service, HttpContext http,
            [FromHeader(Name = "Idempotency-Key")] string? batchKey, CancellationToken ct) =>
        {
            await service.WriteAsync(lines, ApiAuthentication.CallerOf(http), batchKey, ct);
            return TypedResults.NoContent();
        }).WithTags("Logs").WithName("WriteLogs").Requires(Permission.RunReport)
            .WithSummary($"Write up to {LogService.MaxBatch} log lines of one or more runs; a batch sent again with the same Idempotency-Key (within a day) is written once.");

        api.MapGet($"{ApiRoutes.FlowRuns}/{{id:guid}}/logs", (Guid id, long? after, int? limit, LogService service, CancellationToken ct) =>
            service.ReadAsync(id, after ?? 0, Paging.Limit(limit), ct))
            .WithTags("Logs").WithName("ReadFlowRunLogs").Requires(Permission.Read)
            .WithSummary("Log lines in order; pass the last id seen as 'after' to read on. 'total' is counted on the first page only (-1 on later pages).");

        api.MapGet($"{ApiRoutes.FlowRuns}/{{id:guid}}/logs/follow", async Task<LogEventStream> (Guid id, long? after, LogService service, CancellationToken ct) =>
        {
            await service.EnsureRunExistsAsync(id, ct);
            return new LogEventStream(service.FollowAsync(id, after ?? 0, ct));
        }).WithTags("Logs").WithName("FollowFlowRunLogs").Requires(Permission.Read)
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
            .WithSummary("Server-sent events, one 'log' event per line, until the run is finished and no line came for 3 seconds (every line it wrote).");
    }
}
