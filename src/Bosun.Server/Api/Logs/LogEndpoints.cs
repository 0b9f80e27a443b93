using Bosun.Contracts;
using Bosun.Contracts.Logs;
using Bosun.Server.Api.Security;
using Bosun.Server.Domain;
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
        }).WithTags("Logs").WithName("WriteLogs").Requires(Permission.RunReport).WithSummary("Write log lines")
            .WithDescription($"Write up to {LogService.MaxBatch} log lines of one or more runs. A batch sent again with the same Idempotency-Key header (within a day) is written once, so a client that lost an answer may resend the batch.");

        api.MapGet($"{ApiRoutes.FlowRuns}/{{id:guid}}/logs", (Guid id, long? after, int? limit, [FromQuery(Name = "task_run_id")] Guid? taskRunId,
            [FromQuery(Name = "task_name")] string? taskName, LogService service, CancellationToken ct) =>
            service.ReadAsync(id, after ?? 0, Paging.Limit(limit), taskRunId is null && taskName is null ? null : new LogTaskFilter(taskRunId, taskName), ct))
            .WithTags("Logs").WithName("ReadFlowRunLogs").Requires(Permission.Read)
            .WithSummary("Read a run's logs").WithDescription("Log lines in order; pass the last id seen as 'after' to read on. 'total' is counted on the first page only (-1 on later pages). 'task_run_id' keeps the lines one task run's body wrote; 'task_name' those of the run's task runs of that task.");

        api.MapGet($"{ApiRoutes.FlowRuns}/{{id:guid}}/logs/follow", async Task<LogEventStream> (Guid id, long? after, LogService service, IHostApplicationLifetime lifetime, CancellationToken ct) =>
        {
            await service.EnsureRunExistsAsync(id, ct);
            return new LogEventStream(service.FollowAsync(id, after ?? 0, ct), lifetime.ApplicationStopping);
        }).WithTags("Logs").WithName("FollowFlowRunLogs").Requires(Permission.Read)
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
            .WithSummary("Follow a run's logs (server-sent events)").WithDescription("""
                A `text/event-stream` of the run's lines, oldest first, starting after the line id `after` (0: from the first line).
                Each line is one event: `event: log`, `data:` the line as a LogEntry in JSON on one line, `id:` the line's id, then
                a blank line. The stream ends once the run is finished and no line came for 3 seconds, after every line it wrote,
                with one last event `event: end` (`data: {}`). A stream that stops without it (the server stopping, which
                ends its streams at once, or a lost connection) is not the end of the log: the client reconnects with `after`
                set to the last id it received and misses nothing. 404 when the run does not exist.
                """);
    }
}
