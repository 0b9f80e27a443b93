using Bosun.Contracts;
using Bosun.Contracts.Automations;
using Bosun.Server.Api.Security;
using Bosun.Server.Orchestration.Automations;
using Bosun.Server.Orchestration.Security;
using Bosun.Server.Orchestration.Validation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Bosun.Server.Api.Automations;

/// <summary>/api/automations: rules (trigger and actions) and the ledger of their deliveries.</summary>
internal static class AutomationEndpoints
{
    public static void MapAutomations(this IEndpointRouteBuilder api)
    {
        var automations = api.MapGroup(ApiRoutes.Automations).WithTags("Automations").Requires(Permission.Admin);
        automations.MapPost("", async Task<Results<Created<Automation>, Ok<Automation>>> (AutomationCreate request, [FromHeader(Name = "Idempotency-Key")] string? key,
            AutomationService service, CancellationToken ct) =>
        {
            var (automation, created) = await service.CreateAsync(request, key, ct);
            return created ? TypedResults.Created($"/api/{ApiRoutes.Automations}/{automation.Id}", automation) : TypedResults.Ok(automation);
        }).WithName("CreateAutomation").ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Create an automation")
            .WithDescription("Create a rule: a trigger (run state, waiting run, pool without workers, worker offline, skipped slot; optionally N within a window) and its actions. 409 when the name is taken. " + IdempotencyKeys.CreateDescription);
        automations.MapGet("", (AutomationService service, CancellationToken ct) => service.ListAsync(ct)).WithName("ListAutomations").Requires(Permission.Read)
            .WithSummary("List automations").WithDescription("Every automation, by name, with its trigger, actions and whether it is paused.")
            .WithMetadata(Paging.BareArray("/api/automations/page"));
        automations.MapGet("page", async (int? limit, string? cursor, AutomationService service, CancellationToken ct) =>
            Paging.ByKey(await service.ListAsync(ct), automation => automation.Name, cursor, limit))
            .WithName("PageAutomations").Requires(Permission.Read).WithSummary("Page through automations")
            .WithDescription("The automations by name, with their trigger, actions and whether they are paused, a page at a time (pass next_cursor as cursor). An automation named `page` is read by its id.");
        automations.MapGet("{automation}", (string automation, AutomationService service, CancellationToken ct) => service.GetAsync(automation, ct))
            .WithName("GetAutomation").Requires(Permission.Read).WithSummary("Read an automation").WithDescription("An automation by id or name.");
        automations.MapPatch("{automation}", (string automation, AutomationUpdate update, AutomationService service, CancellationToken ct) =>
                service.UpdateAsync(automation, update, ct))
            .WithName("UpdateAutomation").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Change an automation")
            .WithDescription("Replace the fields given (name, description, enabled, the whole trigger, the whole action list); the others stay. The rule is checked as a whole, as on creation. Its ledger stays; deliveries not yet made carry out the actions as they are when attempted. 404 when there is no such automation, 409 when the new name is taken.");
        automations.MapPost("{automation}/pause", (string automation, AutomationService service, CancellationToken ct) => service.SetEnabledAsync(automation, false, ct))
            .WithName("PauseAutomation").WithSummary("Pause an automation").WithDescription("Stop firing: events while paused are ignored.");
        automations.MapPost("{automation}/resume", (string automation, AutomationService service, CancellationToken ct) => service.SetEnabledAsync(automation, true, ct))
            .WithName("ResumeAutomation").WithSummary("Resume an automation").WithDescription("Fire again for events from now on.");
        automations.MapDelete("{automation}", async Task<NoContent> (string automation, AutomationService service, CancellationToken ct) =>
        {
            await service.DeleteAsync(automation, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteAutomation").WithSummary("Delete an automation").WithDescription("Delete the rule with its ledger; deliveries not yet made are dropped.");
        automations.MapGet("{automation}/history", (string automation, int? limit, AutomationService service, CancellationToken ct) =>
            service.HistoryAsync(automation, limit ?? 100, ct))
            .WithName("AutomationHistory").Requires(Permission.Read).WithSummary("An automation's delivery ledger")
            .WithDescription("Every firing's deliveries, newest first, with each attempt and its HTTP outcome (up to `limit`, at most 1,000).")
            .WithMetadata(Paging.BareArray("/api/automations/{automation}/history/page"));
        automations.MapGet("{automation}/history/page", (string automation, int? limit, string? cursor, AutomationService service, CancellationToken ct) =>
            service.HistoryPageAsync(automation, Paging.Limit(limit), cursor, ct))
            .WithName("PageAutomationHistory").Requires(Permission.Read).WithSummary("Page through an automation's delivery ledger")
            .WithDescription("Every firing's deliveries, newest first (a firing's in action order), with each attempt and its HTTP outcome, a page at a time (pass next_cursor as cursor).");
    }
}
