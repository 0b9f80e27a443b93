using Bosun.Contracts;
using Bosun.Contracts.ConcurrencyLimits;
using Bosun.Server.Api.Security;
using Bosun.Server.Orchestration.ConcurrencyLimits;
using Bosun.Server.Orchestration.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bosun.Server.Api.ConcurrencyLimits;

/// <summary>/api/concurrency_limits (tag limits) and the slots a flow run's task runs take of them.</summary>
internal static class ConcurrencyLimitEndpoints
{
    public static void MapConcurrencyLimits(this IEndpointRouteBuilder api)
    {
        var limits = api.MapGroup(ApiRoutes.ConcurrencyLimits).WithTags("Concurrency limits");
        limits.MapPost("", (ConcurrencyLimitCreate request, ConcurrencyLimitService service, CancellationToken ct) => service.UpsertAsync(request, ct))
            .WithName("CreateConcurrencyLimit").Requires(Permission.Admin).WithSummary("Create or change a tag concurrency limit")
            .WithDescription("At most `limit` task runs carrying `tag` run at once, across all flow runs; for a tag that has a limit already, sets it.");
        limits.MapGet("", async (int? limit, string? cursor, ConcurrencyLimitService service, CancellationToken ct) =>
                Paging.ByKey(await service.ListAsync(ct), concurrencyLimit => concurrencyLimit.Tag, cursor, limit))
            .WithName("ListConcurrencyLimits").Requires(Permission.Read).WithSummary("List tag concurrency limits")
            .WithDescription("The tag limits by tag, with the task runs holding their slots, a page at a time (pass next_cursor as cursor).");
        limits.MapGet("{tag}", (string tag, ConcurrencyLimitService service, CancellationToken ct) => service.GetAsync(tag, ct))
            .WithName("GetConcurrencyLimit").Requires(Permission.Read).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Read a tag concurrency limit").WithDescription("A tag's limit with the task runs holding its slots.");
        limits.MapDelete("{tag}", async Task<NoContent> (string tag, ConcurrencyLimitService service, CancellationToken ct) =>
        {
            await service.DeleteAsync(tag, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteConcurrencyLimit").Requires(Permission.Admin).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Delete a tag concurrency limit").WithDescription("Delete the limit; task runs with the tag are no longer held back, and its slots are dropped.");

        var runs = api.MapGroup(ApiRoutes.FlowRuns).WithTags("Concurrency limits");
        runs.MapPost("{id:guid}/concurrency_slots", (Guid id, ConcurrencySlotRequest request, ConcurrencyLimitService service, CancellationToken ct) =>
            service.AcquireAsync(id, request, ct))
            .WithName("AcquireConcurrencySlots").Requires(Permission.RunReport).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Take concurrency slots for a task run")
            .WithDescription("A slot of every limit among the task's tags, granted atomically (all or none); when one is full, `acquired` is false with the tag and when to ask again. 409 when the flow run has ended.");
        runs.MapDelete("{id:guid}/concurrency_slots/{taskRunId:guid}", async Task<NoContent> (Guid id, Guid taskRunId, ConcurrencyLimitService service, CancellationToken ct) =>
        {
            await service.ReleaseAsync(id, taskRunId, ct);
            return TypedResults.NoContent();
        }).WithName("ReleaseConcurrencySlots").Requires(Permission.RunReport)
            .WithSummary("Give back a task run's concurrency slots").WithDescription("Releases every slot the task run holds (nothing when it holds none).");
    }
}
