using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Schedules;
using Bosun.Server.Api.Security;
using Bosun.Server.Orchestration.Deployments;
using Bosun.Server.Orchestration.FlowRuns;
using Bosun.Server.Orchestration.Security;
using Bosun.Server.Orchestration.Validation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Bosun.Server.Api.Deployments;

/// <summary>/api/flows and /api/deployments.</summary>
internal static class DeploymentEndpoints
{
    public static void MapDeployments(this IEndpointRouteBuilder api)
    {
        api.MapGet(ApiRoutes.Flows, (DeploymentService service, int? offset, int? limit, string? cursor, CancellationToken ct) =>
            service.ListFlowsAsync(Paging.Offset(offset), Paging.Limit(limit), Paging.Cursor(cursor, Paging.Offset(offset)), ct)).WithTags("Flows").WithName("ListFlows")
            .WithSummary("List flows")
            .WithDescription("Flows (named C# methods) by name, a page at a time: `limit` and the previous page's `next_cursor` as `cursor`, or an `offset`.")
            .Requires(Permission.Read);

        api.MapPost($"{ApiRoutes.Schedules}/preview", (SchedulePreviewRequest request, DeploymentService service) => service.PreviewSchedule(request))
            .WithTags("Schedules").WithName("PreviewSchedule").Requires(Permission.Read)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Preview a schedule's next times")
            .WithDescription("The next `count` (1 to 100, default 5) times a cron, interval or rrule schedule would fire, in UTC and in its time zone, "
                + "each marked when it falls across a daylight-saving change; nothing is saved and no deployment is needed (schedule_id is the nil UUID). "
                + "422 names a bad cron, rrule, interval, time zone or count.");
        var deployments = api.MapGroup(ApiRoutes.Deployments).WithTags("Deployments").Requires(Permission.Deploy);
        deployments.MapPut("", async Task<Results<Created<Deployment>, Ok<Deployment>>> (DeploymentUpsert request, DeploymentService service, CancellationToken ct) =>
        {
            var (deployment, created) = await service.UpsertAsync(request, ct);
            return created
                ? TypedResults.Created($"/api/{ApiRoutes.Deployments}/{deployment.Id}", deployment)
                : TypedResults.Ok(deployment);
        }).WithName("UpsertDeployment").ProducesProblem(StatusCodes.Status404NotFound).WithSummary("Create or update a deployment").WithDescription("Create the deployment (flow, name), or update it when it exists.");
        deployments.MapGet("", (DeploymentService service, string? flow, [FromQuery(Name = "work_pool")] string? workPool, int? offset, int? limit, string? cursor, CancellationToken ct) =>
            service.ListAsync(flow, workPool, Paging.Offset(offset), Paging.Limit(limit), Paging.Cursor(cursor, Paging.Offset(offset)), ct)).WithName("ListDeployments")
            .WithSummary("List deployments")
            .WithDescription("Deployments by flow then name, optionally of one flow or one pool, a page at a time: `limit` and the previous page's `next_cursor` as `cursor`, or an `offset`.")
            .Requires(Permission.Read);
        deployments.MapPost("claim", (ServedClaimRequest request, [FromHeader(Name = "Idempotency-Key")] string? key, ClaimService service, HttpContext http, CancellationToken ct) =>
                service.ClaimServedAsync(request, key, ApiAuthentication.CallerOf(http), ct))
            .WithName("ClaimServedFlowRuns").Requires(Permission.Deploy, Permission.Work)
            .WithSummary("Claim due runs (serving process)")
            .WithDescription("A serving process claims due runs of its own (pool-less) deployments; they come back PENDING (RUNNING for one that runs them inside itself). Optionally waits for one. `states` carries final states of the process's ended runs, decided first as set_states decides them and answered in `state_results`. " + ClaimService.KeyDescription);
        deployments.MapGet("{id:guid}", (Guid id, DeploymentService service, CancellationToken ct) => service.GetAsync(id, ct)).WithName("GetDeployment")
            .WithSummary("Read a deployment").WithDescription("The deployment by id, with its schedules, job variables and status.").Requires(Permission.Read);
        deployments.MapGet("name/{flow}/{name}", (string flow, string name, DeploymentService service, CancellationToken ct) =>
            service.GetByNameAsync(flow, name, ct)).WithName("GetDeploymentByName").Requires(Permission.Read).WithSummary("Read a deployment by name").WithDescription("Read a deployment by its address flow/deployment.");
        deployments.MapPatch("{id:guid}", (Guid id, DeploymentUpdate update, DeploymentService service, CancellationToken ct) => service.UpdateAsync(id, update, ct))
            .WithName("UpdateDeployment")
            .WithSummary("Update a deployment").WithDescription("Change some fields (queue, parameters, job variables, tags, description, version, limit, strategy, catch-up, paused, retries); 'clear' empties fields.");
        deployments.MapDelete("{id:guid}", async Task<NoContent> (Guid id, DeploymentService service, CancellationToken ct) =>
        {
            await service.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteDeployment")
            .WithSummary("Delete a deployment").WithDescription("Removes the deployment with its runs still SCHEDULED (they could never start); runs that started keep their history.");
        deployments.MapPost("{id:guid}/pause", (Guid id, DeploymentService service, CancellationToken ct) => service.SetPausedAsync(id, true, ct)).WithName("PauseDeployment")
            .WithSummary("Pause a deployment").WithDescription("Its schedules create no runs while it is paused, and the future runs they created that have not started are removed.");
        deployments.MapPost("{id:guid}/resume", (Guid id, DeploymentService service, CancellationToken ct) => service.SetPausedAsync(id, false, ct)).WithName("ResumeDeployment")
            .WithSummary("Resume a deployment").WithDescription("Its schedules create runs again.");
        deployments.MapPost("{id:guid}/preview_job", (Guid id, JobPreviewRequest request, DeploymentService service, CancellationToken ct) =>
            service.PreviewJobAsync(id, request, ct))
            .WithName("PreviewDeploymentJob").Requires(Permission.Read).WithSummary("Preview a deployment's job").WithDescription("The job configuration a run would get (merged job variables, rendered template), secrets masked; nothing runs.");
        var schedules = deployments.MapGroup("{id:guid}/schedules").WithTags("Schedules");
        schedules.MapGet("", (Guid id, DeploymentService service, CancellationToken ct) => service.ListSchedulesAsync(id, ct)).WithName("ListSchedules")
            .WithSummary("List a deployment's schedules").WithDescription("Every schedule of the deployment with its expression and whether it is active.").Requires(Permission.Read)
            .WithMetadata(Paging.BareArray("/api/deployments/{id}/schedules/page"));
        schedules.MapGet("page", async (Guid id, int? limit, string? cursor, DeploymentService service, CancellationToken ct) =>
            Paging.ByKey(await service.ListSchedulesAsync(id, ct), schedule => Paging.Key(Paging.Key(schedule.Created), schedule.Id.ToString("N")), cursor, limit))
            .WithName("PageSchedules").Requires(Permission.Read).WithSummary("Page through a deployment's schedules")
            .WithDescription("The deployment's schedules, oldest first, with their expression and whether they are active, a page at a time (pass next_cursor as cursor).");
        schedules.MapPost("", async Task<Results<Created<DeploymentSchedule>, Ok<DeploymentSchedule>>> (Guid id, ScheduleSpec spec,
            [FromHeader(Name = "Idempotency-Key")] string? key, DeploymentService service, CancellationToken ct) =>
        {
            var (schedule, created) = await service.AddScheduleAsync(id, spec, key, ct);
            return created ? TypedResults.Created($"/api/{ApiRoutes.Deployments}/{id}/schedules/{schedule.Id}", schedule) : TypedResults.Ok(schedule);
        }).WithName("AddSchedule").ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Add a schedule")
            .WithDescription("Add a cron, interval or rrule schedule; 422 names a bad expression, interval or time zone. " + IdempotencyKeys.CreateDescription);
        schedules.MapPatch("{scheduleId:guid}", (Guid id, Guid scheduleId, ScheduleUpdate update, DeploymentService service, CancellationToken ct) =>
            service.SetScheduleActiveAsync(id, scheduleId, update.Active, ct)).WithName("UpdateSchedule").WithSummary("Pause or resume a schedule").WithDescription("Pause (active=false) or resume a schedule.");
        schedules.MapDelete("{scheduleId:guid}", async Task<NoContent> (Guid id, Guid scheduleId, DeploymentService service, CancellationToken ct) =>
        {
            await service.DeleteScheduleAsync(id, scheduleId, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteSchedule")
            .WithSummary("Delete a schedule").WithDescription("Removes the schedule with the runs it created that have not started and are still in the future.");
        deployments.MapGet("{id:guid}/upcoming", (Guid id, int? count, DeploymentService service, CancellationToken ct) =>
            service.UpcomingAsync(id, count ?? 10, ct))
            .WithTags("Schedules").WithName("UpcomingRuns").Requires(Permission.Read).WithSummary("Upcoming schedule times").WithDescription("The next times the deployment's schedules fire, marking those across a DST change.");
        deployments.MapPost("{id:guid}/create_flow_run", async Task<Results<Created<FlowRun>, Ok<FlowRun>>> (Guid id, FlowRunCreate request,
            [FromHeader(Name = "Idempotency-Key")] string? key, FlowRunService service, CancellationToken ct) =>
        {
            var (run, created) = await service.CreateAsync(id, request, key, ct);
            return created ? TypedResults.Created($"/api/{ApiRoutes.FlowRuns}/{run.Id}", run) : TypedResults.Ok(run);
        }).WithName("CreateFlowRun").ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Create a flow run")
            .WithDescription("Create a run of the deployment; an existing idempotency key returns the existing run (200). " + FlowRunService.RequestKeyDescription);
        deployments.MapPost("{id:guid}/create_flow_runs", (Guid id, FlowRunBatchCreate request, [FromHeader(Name = "Idempotency-Key")] string? key,
            FlowRunService service, CancellationToken ct) => service.CreateManyAsync(id, request, key, ct))
            .WithName("CreateFlowRuns").ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Create flow runs in a batch")
            .WithDescription("Create 1 to 1,000 runs of the deployment in one request and one write: all of them, or none when one is refused (422 naming `runs[i].field`). " +
                "Each run is taken as create_flow_run takes it; an existing idempotency key returns that run with `created` false. The answer lists the runs in the order sent. " +
                "A batch sent again with the same Idempotency-Key header (1 to 200 characters) is answered with the runs its first attempt made, each with `created` false, and makes no other. 409 for a key another request used.");
    }
}
