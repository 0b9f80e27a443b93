using System.Net.ServerSentEvents;
using System.Text.Json;
using Bosun.Contracts;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Server.Api.Security;
using Bosun.Server.Orchestration.FlowRuns;
using Bosun.Server.Orchestration.Logs;
using Bosun.Server.Orchestration.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bosun.Server.Api.Logs;

/// <summary>/api/logs (batched write) and /api/flow_runs/{id}/logs (paged read, live follow as server-sent events).</summary>
internal static class LogEndpoints
{
    public static void MapLogs(this IEndpointRouteBuilder api)
    {
        api.MapPost(ApiRoutes.Logs, async Task<NoContent> (IReadOnlyList<LogCreate> lines, LogService service, HttpContext http, CancellationToken ct) =>
        {
            await service.WriteAsync(lines, ApiAuthentication.CallerOf(http), ct);
            return TypedResults.NoContent();
        }).WithTags("Logs").WithName("WriteLogs").Requires(Permission.RunReport).WithSummary($"Write up to {LogService.MaxBatch} log lines of one or more runs.");

        api.MapGet($"{ApiRoutes.FlowRuns}/{{id:guid}}/logs", (Guid id, long? after, int? limit, LogService service, CancellationToken ct) =>
            service.ReadAsync(id, after ?? 0, Paging.Limit(limit), ct))
            .WithTags("Logs").WithName("ReadFlowRunLogs").Requires(Permission.Read).WithSummary("Log lines in order; pass the last id seen as 'after' to read on.");

        api.MapGet($"{ApiRoutes.FlowRuns}/{{id:guid}}/logs/follow", async (Guid id, long? after, LogService service, FlowRunService runs, CancellationToken ct) =>
        {
            await runs.GetAsync(id, ct);
            async Task<bool> Finished() => (await runs.GetAsync(id, ct)).State.Type.IsTerminal();
            var events = service.FollowAsync(id, after ?? 0, Finished, ct)
                .Select(entry => new SseItem<string>(JsonSerializer.Serialize(entry, BosunJsonContext.Default.LogEntry), "log")
                {
                    EventId = entry.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                });
            return TypedResults.ServerSentEvents(events);
        }).WithTags("Logs").WithName("FollowFlowRunLogs").Requires(Permission.Read)
            .WithSummary("Server-sent events, one 'log' event per line, until the run is finished and every line was sent.");
    }
}
