using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.WorkPools;
using Bosun.Server.Api.Security;
using Bosun.Server.Orchestration.FlowRuns;
using Bosun.Server.Orchestration.Security;
using Bosun.Server.Orchestration.WorkPools;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bosun.Server.Api.WorkPools;

/// <summary>/api/work_pools: pools, their queues, workers and the claim.</summary>
internal static class WorkPoolEndpoints
{
    public static void MapWorkPools(this IEndpointRouteBuilder api)
    {
        api.MapGet($"{ApiRoutes.DefaultTemplates}/{{type}}/base_job_template", (string type) => TypedResults.Ok(WorkPoolService.DefaultTemplate(type)))
            .WithTags("Work pools").WithName("GetDefaultBaseJobTemplate").Requires(Permission.Read)
            .WithSummary("The default base job template of a work pool type (process, docker, kubernetes).");

        var pools = api.MapGroup(ApiRoutes.WorkPools).WithTags("Work pools").Requires(Permission.Admin);
        pools.MapPost("", async Task<Created<WorkPool>> (WorkPoolCreate request, WorkPoolService service, CancellationToken ct) =>
        {
            var pool = await service.CreatePoolAsync(request, ct);
            return TypedResults.Created($"/api/{ApiRoutes.WorkPools}/{Uri.EscapeDataString(pool.Name)}", pool);
        }).WithName("CreateWorkPool").WithSummary("Create a work pool with its default queue.");
        pools.MapGet("", (WorkPoolService service, string? type, int? offset, int? limit, CancellationToken ct) =>
            service.ListPoolsAsync(type, Paging.Offset(offset), Paging.Limit(limit), ct)).WithName("ListWorkPools").Requires(Permission.Read);
        pools.MapGet("{name}", (string name, WorkPoolService service, CancellationToken ct) => service.GetPoolAsync(name, ct)).WithName("GetWorkPool").Requires(Permission.Read);
        pools.MapPost("{name}/preview_job", (string name, JobPreviewRequest request, WorkPoolService service, CancellationToken ct) =>
            service.PreviewJobAsync(name, request, ct))
            .WithName("PreviewWorkPoolJob").Requires(Permission.Read).WithSummary("The job a run on the pool would get with its template's defaults and these job variables, secrets masked; nothing runs.");
        pools.MapPatch("{name}", (string name, WorkPoolUpdate update, WorkPoolService service, CancellationToken ct) =>
            service.UpdatePoolAsync(name, update, ct)).WithName("UpdateWorkPool");
        pools.MapDelete("{name}", async Task<NoContent> (string name, bool? force, WorkPoolService service, CancellationToken ct) =>
        {
            await service.DeletePoolAsync(name, force ?? false, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteWorkPool").WithSummary("Delete a pool with its queues and workers; refused while runs are in flight unless force=true.");
        pools.MapPost("{name}/pause", (string name, WorkPoolService service, CancellationToken ct) => service.SetPoolPausedAsync(name, true, ct)).WithName("PauseWorkPool");
        pools.MapPost("{name}/resume", (string name, WorkPoolService service, CancellationToken ct) => service.SetPoolPausedAsync(name, false, ct)).WithName("ResumeWorkPool");
        pools.MapPut("{name}/concurrency_limit", (string name, ConcurrencyLimitUpdate update, WorkPoolService service, CancellationToken ct) =>
            service.SetPoolLimitAsync(name, update.ConcurrencyLimit, ct)).WithName("SetWorkPoolConcurrencyLimit");

        pools.MapPost("{name}/claim", (string name, ClaimRequest request, ClaimService service, CancellationToken ct) =>
            service.ClaimAsync(name, request, ct))
            .WithName("ClaimFlowRuns").Requires(Permission.Work)
            .WithSummary("Atomically claim due runs (they come back PENDING and owned by the worker); optionally wait for one.");

        var queues = pools.MapGroup("{pool}/queues").WithTags("Work queues");
        queues.MapPost("", async Task<Created<WorkQueue>> (string pool, WorkQueueCreate request, WorkPoolService service, CancellationToken ct) =>
        {
            var queue = await service.CreateQueueAsync(pool, request, ct);
            return TypedResults.Created($"/api/{ApiRoutes.WorkPools}/{Uri.EscapeDataString(pool)}/queues/{Uri.EscapeDataString(queue.Name)}", queue);
        }).WithName("CreateWorkQueue");
        queues.MapGet("", (string pool, WorkPoolService service, CancellationToken ct) => service.ListQueuesAsync(pool, ct)).WithName("ListWorkQueues").Requires(Permission.Read);
        queues.MapGet("{queue}", (string pool, string queue, WorkPoolService service, CancellationToken ct) =>
            service.GetQueueAsync(pool, queue, ct)).WithName("GetWorkQueue").Requires(Permission.Read);
        queues.MapPatch("{queue}", (string pool, string queue, WorkQueueUpdate update, WorkPoolService service, CancellationToken ct) =>
            service.UpdateQueueAsync(pool, queue, update, ct)).WithName("UpdateWorkQueue");
        queues.MapDelete("{queue}", async Task<NoContent> (string pool, string queue, WorkPoolService service, CancellationToken ct) =>
        {
            await service.DeleteQueueAsync(pool, queue, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteWorkQueue");
        queues.MapPost("{queue}/pause", (string pool, string queue, WorkPoolService service, CancellationToken ct) =>
            service.SetQueuePausedAsync(pool, queue, true, ct)).WithName("PauseWorkQueue");
        queues.MapPost("{queue}/resume", (string pool, string queue, WorkPoolService service, CancellationToken ct) =>
            service.SetQueuePausedAsync(pool, queue, false, ct)).WithName("ResumeWorkQueue");
        queues.MapPut("{queue}/concurrency_limit", (string pool, string queue, ConcurrencyLimitUpdate update, WorkPoolService service, CancellationToken ct) =>
            service.SetQueueLimitAsync(pool, queue, update.ConcurrencyLimit, ct)).WithName("SetWorkQueueConcurrencyLimit");

        var workers = pools.MapGroup("{pool}/workers").WithTags("Workers");
        workers.MapPost("heartbeat", async Task<NoContent> (string pool, WorkerHeartbeat heartbeat, WorkPoolService service, CancellationToken ct) =>
        {
            await service.HeartbeatAsync(pool, heartbeat, ct);
            return TypedResults.NoContent();
        }).WithName("WorkerHeartbeat").Requires(Permission.Work).WithSummary("Record a worker's heartbeat; creates the worker on first call.");
        workers.MapGet("", (string pool, WorkPoolService service, CancellationToken ct) => service.ListWorkersAsync(pool, ct)).WithName("ListWorkers").Requires(Permission.Read);
        workers.MapDelete("{worker}", async Task<NoContent> (string pool, string worker, WorkPoolService service, CancellationToken ct) =>
        {
            await service.DeleteWorkerAsync(pool, worker, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteWorker");
    }
}
