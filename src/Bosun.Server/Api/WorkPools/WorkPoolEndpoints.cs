using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.WorkPools;
using Bosun.Server.Api.Security;
using Bosun.Server.Orchestration.FlowRuns;
using Bosun.Server.Orchestration.Security;
using Bosun.Server.Orchestration.Validation;
using Bosun.Server.Orchestration.WorkPools;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Bosun.Server.Api.WorkPools;

/// <summary>/api/work_pools: pools, their queues, workers and the claim.</summary>
internal static class WorkPoolEndpoints
{
    public static void MapWorkPools(this IEndpointRouteBuilder api)
    {
        api.MapGet($"{ApiRoutes.DefaultTemplates}/{{type}}/base_job_template", (string type) => TypedResults.Ok(WorkPoolService.DefaultTemplate(type)))
            .WithTags("Work pools").WithName("GetDefaultBaseJobTemplate").Requires(Permission.Read)
            .WithSummary("Default base job template of a pool type").WithDescription("The default base job template of a work pool type (process, docker, kubernetes).");

        var pools = api.MapGroup(ApiRoutes.WorkPools).WithTags("Work pools").Requires(Permission.Admin);
        pools.MapPost("", async Task<Results<Created<WorkPool>, Ok<WorkPool>>> (WorkPoolCreate request, [FromHeader(Name = "Idempotency-Key")] string? key,
            WorkPoolService service, CancellationToken ct) =>
        {
            var (pool, created) = await service.CreatePoolAsync(request, key, ct);
            return created ? TypedResults.Created($"/api/{ApiRoutes.WorkPools}/{Uri.EscapeDataString(pool.Name)}", pool) : TypedResults.Ok(pool);
        }).WithName("CreateWorkPool").ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Create a work pool")
            .WithDescription("Create a work pool with its default queue. 409 when a pool of that name exists. " + IdempotencyKeys.CreateDescription);
        pools.MapGet("", (WorkPoolService service, string? type, int? offset, int? limit, string? cursor, CancellationToken ct) =>
            service.ListPoolsAsync(type, Paging.Offset(offset), Paging.Limit(limit), Paging.Cursor(cursor, Paging.Offset(offset)), ct)).WithName("ListWorkPools")
            .WithSummary("List work pools")
            .WithDescription("Pools by name, optionally of one type, a page at a time: `limit` (up to 500) and the previous page's `next_cursor` as `cursor`, or an `offset`.")
            .Requires(Permission.Read);
        pools.MapGet("{name}", (string name, WorkPoolService service, CancellationToken ct) => service.GetPoolAsync(name, ct)).WithName("GetWorkPool")
            .WithSummary("Read a work pool").WithDescription("The pool with its status (READY once a worker polls it), limit and template.").Requires(Permission.Read);
        pools.MapPost("{name}/preview_job", (string name, JobPreviewRequest request, WorkPoolService service, CancellationToken ct) =>
            service.PreviewJobAsync(name, request, ct))
            .WithName("PreviewWorkPoolJob").Requires(Permission.Read).WithSummary("Preview a pool's job").WithDescription("The job a run on the pool would get with its template's defaults and these job variables, secrets masked; nothing runs.");
        pools.MapPatch("{name}", (string name, WorkPoolUpdate update, WorkPoolService service, CancellationToken ct) =>
            service.UpdatePoolAsync(name, update, ct)).WithName("UpdateWorkPool")
            .WithSummary("Update a work pool").WithDescription("Changes the description or the base job template (validated as on creation); fields left out keep their values. Limits and pausing have their own routes.");
        pools.MapDelete("{name}", async Task<NoContent> (string name, bool? force, WorkPoolService service, CancellationToken ct) =>
        {
            await service.DeletePoolAsync(name, force ?? false, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteWorkPool").ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Delete a work pool").WithDescription("Delete a pool with its queues and workers; refused while runs are in flight unless force=true.");
        pools.MapPost("{name}/pause", (string name, WorkPoolService service, CancellationToken ct) => service.SetPoolPausedAsync(name, true, ct)).WithName("PauseWorkPool")
            .WithSummary("Pause a work pool").WithDescription("A paused pool delivers no runs to its workers; runs already claimed go on.");
        pools.MapPost("{name}/resume", (string name, WorkPoolService service, CancellationToken ct) => service.SetPoolPausedAsync(name, false, ct)).WithName("ResumeWorkPool")
            .WithSummary("Resume a work pool").WithDescription("The pool delivers runs again.");
        pools.MapPut("{name}/concurrency_limit", (string name, ConcurrencyLimitUpdate update, WorkPoolService service, CancellationToken ct) =>
            service.SetPoolLimitAsync(name, update.ConcurrencyLimit, ct)).WithName("SetWorkPoolConcurrencyLimit")
            .WithSummary("Set a pool's concurrency limit").WithDescription("The most runs of the pool that may be PENDING, RUNNING or CANCELLING at once; null removes the limit.");

        pools.MapPost("{name}/claim", (string name, ClaimRequest request, [FromHeader(Name = "Idempotency-Key")] string? key, ClaimService service, CancellationToken ct) =>
            service.ClaimAsync(name, request, key, ct))
            .WithName("ClaimFlowRuns").Requires(Permission.Work)
            .WithSummary("Claim due runs (worker)").WithDescription("Atomically claim due runs (they come back PENDING and owned by the worker); optionally wait for one. " + ClaimService.KeyDescription);

        var queues = pools.MapGroup("{pool}/queues").WithTags("Work queues");
        queues.MapPost("", async Task<Results<Created<WorkQueue>, Ok<WorkQueue>>> (string pool, WorkQueueCreate request,
            [FromHeader(Name = "Idempotency-Key")] string? key, WorkPoolService service, CancellationToken ct) =>
        {
            var (queue, created) = await service.CreateQueueAsync(pool, request, key, ct);
            return created
                ? TypedResults.Created($"/api/{ApiRoutes.WorkPools}/{Uri.EscapeDataString(pool)}/queues/{Uri.EscapeDataString(queue.Name)}", queue)
                : TypedResults.Ok(queue);
        }).WithName("CreateWorkQueue").ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Create a work queue")
            .WithDescription("Adds a queue to the pool with a priority and an optional limit. 409 when the pool already has a queue of that name. " + IdempotencyKeys.CreateDescription);
        queues.MapGet("", (string pool, WorkPoolService service, CancellationToken ct) => service.ListQueuesAsync(pool, ct)).WithName("ListWorkQueues")
            .WithSummary("List a pool's queues").WithDescription("Every queue of the pool, in priority order.").Requires(Permission.Read)
            .WithMetadata(Paging.BareArray("/api/work_pools/{pool}/queues/page"));
        queues.MapGet("page", async (string pool, int? limit, string? cursor, WorkPoolService service, CancellationToken ct) =>
            Paging.ByKey(await service.ListQueuesAsync(pool, ct), queue => Paging.Key(Paging.Key(queue.Priority), queue.Name), cursor, limit))
            .WithName("PageWorkQueues").Requires(Permission.Read).WithSummary("Page through a pool's queues")
            .WithDescription("The pool's queues in priority order (then by name), a page at a time: pass the page's next_cursor as cursor for the next one.");
        queues.MapGet("{queue}", (string pool, string queue, WorkPoolService service, CancellationToken ct) =>
            service.GetQueueAsync(pool, queue, ct)).WithName("GetWorkQueue")
            .WithSummary("Read a work queue").WithDescription("The queue with its priority, limit, paused flag and status.").Requires(Permission.Read);
        queues.MapPatch("{queue}", (string pool, string queue, WorkQueueUpdate update, WorkPoolService service, CancellationToken ct) =>
            service.UpdateQueueAsync(pool, queue, update, ct)).WithName("UpdateWorkQueue")
            .WithSummary("Update a work queue").WithDescription("Changes the description or the priority (a taken priority shifts the others down); fields left out keep their values.");
        queues.MapDelete("{queue}", async Task<NoContent> (string pool, string queue, WorkPoolService service, CancellationToken ct) =>
        {
            await service.DeleteQueueAsync(pool, queue, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteWorkQueue").ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Delete a work queue").WithDescription("Removes the queue; the pool's 'default' queue cannot be deleted (409).");
        queues.MapPost("{queue}/pause", (string pool, string queue, WorkPoolService service, CancellationToken ct) =>
            service.SetQueuePausedAsync(pool, queue, true, ct)).WithName("PauseWorkQueue")
            .WithSummary("Pause a work queue").WithDescription("A paused queue delivers no runs; the pool's other queues go on.");
        queues.MapPost("{queue}/resume", (string pool, string queue, WorkPoolService service, CancellationToken ct) =>
            service.SetQueuePausedAsync(pool, queue, false, ct)).WithName("ResumeWorkQueue")
            .WithSummary("Resume a work queue").WithDescription("The queue delivers runs again.");
        queues.MapPut("{queue}/concurrency_limit", (string pool, string queue, ConcurrencyLimitUpdate update, WorkPoolService service, CancellationToken ct) =>
            service.SetQueueLimitAsync(pool, queue, update.ConcurrencyLimit, ct)).WithName("SetWorkQueueConcurrencyLimit")
            .WithSummary("Set a queue's concurrency limit").WithDescription("The most runs of the queue that may be in flight at once; null removes the limit.");

        var workers = pools.MapGroup("{pool}/workers").WithTags("Workers");
        workers.MapPost("heartbeat", async Task<NoContent> (string pool, WorkerHeartbeat heartbeat, WorkPoolService service, CancellationToken ct) =>
        {
            await service.HeartbeatAsync(pool, heartbeat, ct);
            return TypedResults.NoContent();
        }).WithName("WorkerHeartbeat").Requires(Permission.Work).WithSummary("Worker heartbeat").WithDescription("Record a worker's heartbeat; creates the worker on first call.");
        workers.MapGet("", (string pool, WorkPoolService service, CancellationToken ct) => service.ListWorkersAsync(pool, ct)).WithName("ListWorkers")
            .WithSummary("List a pool's workers").WithDescription("The workers that polled the pool, latest heartbeat first; ONLINE while the last heartbeat is within three of the worker's intervals.").Requires(Permission.Read)
            .WithMetadata(Paging.BareArray("/api/work_pools/{pool}/workers/page"));
        workers.MapGet("page", async (string pool, int? limit, string? cursor, WorkPoolService service, CancellationToken ct) =>
            Paging.ByKey(await service.ListWorkersAsync(pool, ct), worker => worker.Name, cursor, limit))
            .WithName("PageWorkers").Requires(Permission.Read).WithSummary("Page through a pool's workers")
            .WithDescription("The workers that polled the pool, by name, a page at a time (pass next_cursor as cursor); ONLINE while the last heartbeat is within three of the worker's intervals.");
        workers.MapDelete("{worker}", async Task<NoContent> (string pool, string worker, WorkPoolService service, CancellationToken ct) =>
        {
            await service.DeleteWorkerAsync(pool, worker, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteWorker")
            .WithSummary("Forget a worker").WithDescription("Removes the worker's record; a worker still running comes back with its next heartbeat.");
    }
}
