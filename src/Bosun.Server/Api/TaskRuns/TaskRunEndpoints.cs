using Bosun.Contracts;
using Bosun.Contracts.Results;
using Bosun.Contracts.TaskRuns;
using Bosun.Server.Api.Security;
using Bosun.Server.Orchestration.Security;
using Bosun.Server.Orchestration.TaskRuns;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bosun.Server.Api.TaskRuns;

/// <summary>/api/task_runs (batched record, inspect, result, cache lookup), a flow run's task runs, and flow run results.</summary>
internal static class TaskRunEndpoints
{
    public static void MapTaskRuns(this IEndpointRouteBuilder api)
    {
        var tasks = api.MapGroup(ApiRoutes.TaskRuns).WithTags("Task runs");
        tasks.MapPost("batch", async Task<NoContent> (IReadOnlyList<TaskRunReport> reports, TaskRunService service, HttpContext http, CancellationToken ct) =>
        {
            await service.RecordAsync(reports, ApiAuthentication.CallerOf(http), ct);
            return TypedResults.NoContent();
        }).WithName("RecordTaskRuns").Requires(Permission.RunReport)
            .WithSummary("Record task-run transitions").WithDescription($"Record up to {TaskRunService.MaxBatch} task-run transitions of one or more flow runs; per task run the report with the highest sequence is kept.");
        tasks.MapGet("{id:guid}", (Guid id, TaskRunService service, CancellationToken ct) => service.GetAsync(id, ct))
            .WithName("GetTaskRun")
            .WithSummary("Read a task run").WithDescription("The task run with its state, times and cache key.").Requires(Permission.Read);
        tasks.MapGet("{id:guid}/result", (Guid id, TaskRunService service, CancellationToken ct) => service.TaskRunResultAsync(id, ct))
            .WithName("GetTaskRunResult").Requires(Permission.Read).WithSummary("A task run's result").WithDescription("A task run's return value (404 when it recorded none).");
        tasks.MapGet("cache/{key}", (string key, TaskRunService service, CancellationToken ct) => service.LookUpAsync(key, ct))
            .WithName("LookUpTaskCache").Requires(Permission.Read, Permission.RunReport)
            .WithSummary("Look up the task cache").WithDescription("The newest unexpired result of a completed task run with this cache key; 404 when there is none.");

        var runs = api.MapGroup(ApiRoutes.FlowRuns).WithTags("Flow runs");
        runs.MapGet("{id:guid}/task_runs", (Guid id, TaskRunService service, CancellationToken ct) => service.ListAsync(id, ct))
            .WithName("ListFlowRunTaskRuns").Requires(Permission.Read).WithSummary("List a flow run's task runs").WithDescription("A flow run's task runs, in the order they were first recorded.")
            .WithMetadata(Paging.BareArray("/api/flow_runs/{id}/task_runs/page"));
        runs.MapGet("{id:guid}/task_runs/page", async (Guid id, int? limit, string? cursor, TaskRunService service, CancellationToken ct) =>
            Paging.ByKey(await service.ListAsync(id, ct), taskRun => Paging.Key(Paging.Key(taskRun.Created), taskRun.Id.ToString("N")), cursor, limit))
            .WithName("PageFlowRunTaskRuns").Requires(Permission.Read).WithSummary("Page through a flow run's task runs")
            .WithDescription("A flow run's task runs in the order they were first recorded, a page at a time (pass next_cursor as cursor).");
        runs.MapPut("{id:guid}/result", async Task<NoContent> (Guid id, ResultWrite result, TaskRunService service, CancellationToken ct) =>
        {
            await service.SetFlowRunResultAsync(id, result, ct);
            return TypedResults.NoContent();
        }).WithName("SetFlowRunResult").Requires(Permission.RunReport).WithSummary("Record a flow run's result").WithDescription("Record a flow run's return value (JSON text); large values go to the result folder.");
        runs.MapGet("{id:guid}/result", (Guid id, TaskRunService service, CancellationToken ct) => service.FlowRunResultAsync(id, ct))
            .WithName("GetFlowRunResult").Requires(Permission.Read).WithSummary("A flow run's result").WithDescription("A flow run's return value (404 when it recorded none).");
    }
}
