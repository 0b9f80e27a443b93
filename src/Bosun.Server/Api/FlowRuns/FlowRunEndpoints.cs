using Bosun.Contracts;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Server.Api.Security;
using Bosun.Server.Domain;
using Bosun.Server.Orchestration.FlowRuns;
using Bosun.Server.Orchestration.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Bosun.Server.Api.FlowRuns;

/// <summary>/api/flow_runs: read, filter, state changes, cancel, infrastructure id, waiting reason, heartbeat, delete.</summary>
internal static class FlowRunEndpoints
{
    public static void MapFlowRuns(this IEndpointRouteBuilder api)
    {
        var runs = api.MapGroup(ApiRoutes.FlowRuns).WithTags("Flow runs").Requires(Permission.Read);
        runs.MapPost("filter", (FlowRunFilter filter, FlowRunService service, HttpContext http, CancellationToken ct) =>
        {
            Paging.Cursor(filter.Cursor, Paging.Offset(filter.Offset));
            Paging.Limit(filter.Limit);
            return service.ListAsync(filter, ApiAuthentication.CallerOf(http).Pools, ct);
        }).WithName("FilterFlowRuns").WithSummary("Filter flow runs").WithDescription("List runs matching a filter (state, deployment, flow, pool, queue, worker, time, name), newest first.");
        runs.MapGet("", (FlowRunService service, string? state, [FromQuery(Name = "deployment_id")] Guid? deploymentId, string? flow,
            [FromQuery(Name = "work_pool")] string? workPool, [FromQuery(Name = "work_queue")] string? workQueue,
            string? search, int? offset, int? limit, string? cursor, [FromQuery(Name = "include_total")] bool? includeTotal,
            [FromQuery(Name = "parent_flow_run_id")] Guid? parentFlowRunId, [FromQuery(Name = "worker_name")] string? workerName, HttpContext http, CancellationToken ct) =>
        {
            var states = ParseStates(state);
            return service.ListAsync(new FlowRunFilter(states, deploymentId, flow, workPool, workQueue, null, null, search,
                Paging.Offset(offset), Paging.Limit(limit), parentFlowRunId)
            {
                Cursor = Paging.Cursor(cursor, Paging.Offset(offset)), IncludeTotal = includeTotal ?? true, WorkerName = workerName,
            },
                ApiAuthentication.CallerOf(http).Pools, ct);
        }).WithName("ListFlowRuns").WithSummary("List flow runs")
            .WithDescription("List runs; state takes a comma-separated list such as RUNNING,PENDING; parent_flow_run_id lists a run's children (a flow run's own token may list the children of the runs of its tree, and nothing else here); worker_name the runs a worker or serving process of that name claimed. A page carries next_cursor while more runs follow: pass it as cursor for the next page (uncounted, as fast at any depth); include_total=false skips the count of a first page.");
        runs.MapGet("{id:guid}", (Guid id, FlowRunService service, CancellationToken ct) => service.GetAsync(id, ct)).WithName("GetFlowRun")
            .WithSummary("Read a flow run").WithDescription("The run with its state, parameters, times, worker, waiting reason and parent.");
        runs.MapDelete("{id:guid}", async Task<NoContent> (Guid id, FlowRunService service, CancellationToken ct) =>
        {
            await service.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteFlowRun")
            .WithSummary("Delete a flow run").WithDescription("Removes the run with its states, logs, task runs and results, including the result files a large result was stored in (the run's own and its task runs'). Its child runs are kept, no longer linked to it.").Requires(Permission.Deploy);
        runs.MapGet("{id:guid}/states", (Guid id, FlowRunService service, CancellationToken ct) => service.HistoryAsync(id, ct))
            .WithName("GetFlowRunStateHistory")
            .WithSummary("A flow run's state history").WithDescription("Every state the run entered, oldest first, with its message.")
            .WithMetadata(Paging.BareArray("/api/flow_runs/{id}/states/page"));
        runs.MapGet("{id:guid}/states/page", async (Guid id, int? limit, string? cursor, FlowRunService service, CancellationToken ct) =>
            {
                // A run's history only grows at its end: a state's place in it is a key no later state changes.
                var states = await service.HistoryAsync(id, ct);
                var place = states.Select((state, index) => (state.Id, index)).ToDictionary(entry => entry.Id, entry => entry.index);
                return Paging.ByKey(states, state => Paging.Key(place[state.Id]), cursor, limit);
            })
            .WithName("PageFlowRunStateHistory")
            .WithSummary("Page through a flow run's state history").WithDescription("The states the run entered, oldest first, with their messages, a page at a time (pass next_cursor as cursor).");
        runs.MapPost("{id:guid}/set_state", (Guid id, StateProposal proposal, FlowRunService service, CancellationToken ct) =>
            service.SetStateAsync(id, proposal, ct))
            .WithName("SetFlowRunState").Requires(Permission.RunReport, Permission.Deploy).WithSummary("Propose a flow run state").WithDescription("Propose a state; the rules answer ACCEPT, REJECT, WAIT or ABORT with a reason.");
        runs.MapPost("set_states", (FlowRunStateBatch batch, FlowRunService service, HttpContext http, CancellationToken ct) =>
            service.SetStatesAsync(batch, ApiAuthentication.CallerOf(http), ct))
            .WithName("SetFlowRunStates").Requires(Permission.RunReport, Permission.Deploy).ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("Propose many flow runs' states")
            .WithDescription($"Up to {FlowRunService.MaxStateBatch} proposals of one or more runs in one request and one write: each is decided as set_state decides it (a WAIT is answered at once) and answered in the order sent, with an error instead of a result for a run that does not exist. A run token may propose for the runs of its tree only.");
        runs.MapPost("{id:guid}/cancel", (Guid id, FlowRunService service, CancellationToken ct) => service.CancelAsync(id, ct))
            .WithName("CancelFlowRun").Requires(Permission.Deploy).WithSummary("Cancel a flow run").WithDescription("Cancel: a run that has not started is CANCELLED at once, else CANCELLING until its worker stops it.");
        runs.MapPut("{id:guid}/infrastructure", (Guid id, InfrastructureUpdate update, FlowRunService service, CancellationToken ct) =>
            service.SetInfrastructureAsync(id, update, ct)).WithName("SetFlowRunInfrastructure")
            .WithSummary("Record a run's infrastructure (worker)").WithDescription("The worker records the id of the process, container or Job it created for the run, so that it (or another worker) can stop it.").Requires(Permission.Work);
        runs.MapPut("{id:guid}/waiting_reason", async Task<NoContent> (Guid id, WaitingReasonUpdate update, FlowRunService service, CancellationToken ct) =>
        {
            await service.SetInfrastructureWaitingReasonAsync(id, update, ct);
            return TypedResults.NoContent();
        }).WithName("SetFlowRunWaitingReason").ProducesProblem(StatusCodes.Status409Conflict).Requires(Permission.Work)
            .WithSummary("Record why a run's infrastructure waits (worker)").WithDescription("What keeps a PENDING run's infrastructure from starting (a pod's FailedScheduling), shown in its waiting reason, said by worker_name: the run's claimant, or a live worker of its pool that adopted it after the claimant missed two heartbeats. 409 once the run is no longer PENDING, or for any other worker.");
        runs.MapPost("{id:guid}/subflow_runs", async Task<Results<Created<FlowRun>, Ok<FlowRun>>> (Guid id, SubflowRunCreate request,
            [FromHeader(Name = "Idempotency-Key")] string? key, FlowRunService service, CancellationToken ct) =>
        {
            var (run, created) = await service.CreateSubflowAsync(id, request, key, ct);
            return created ? TypedResults.Created($"/api/{ApiRoutes.FlowRuns}/{run.Id}", run) : TypedResults.Ok(run);
        }).WithName("CreateSubflowRun").Requires(Permission.RunReport, Permission.Deploy).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Record a subflow run")
            .WithDescription("A flow method called by this running flow, run in its process as a child run (PENDING; it reports its own states). 409 when the parent has ended. " +
                FlowRunService.RequestKeyDescription);
        runs.MapPost("{id:guid}/deployment_runs", async Task<Results<Created<FlowRun>, Ok<FlowRun>>> (Guid id, DeploymentRunCreate request,
            [FromHeader(Name = "Idempotency-Key")] string? key, FlowRunService service, CancellationToken ct) =>
        {
            var (run, created) = await service.CreateDeploymentChildAsync(id, request, key, ct);
            return created ? TypedResults.Created($"/api/{ApiRoutes.FlowRuns}/{run.Id}", run) : TypedResults.Ok(run);
        }).WithName("CreateDeploymentChildRun").Requires(Permission.RunReport, Permission.Deploy)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Start a deployment run from a flow")
            .WithDescription("A running flow starts a run of another deployment (flow/deployment) as its child, on that deployment's infrastructure: linked to this run and cancelled with it. A flow run's token may do this for the runs of its own tree only. 404 for an unknown deployment, 409 when this run has ended. " +
                FlowRunService.RequestKeyDescription);
        runs.MapPost("{id:guid}/pause", (Guid id, FlowRunPause pause, [FromHeader(Name = "Idempotency-Key")] string? key, FlowRunService service, CancellationToken ct) =>
                service.PauseAsync(id, pause, key, ct))
            .WithName("PauseFlowRun").Requires(Permission.RunReport)
            .WithSummary("Pause a running flow")
            .WithDescription("The run's flow pauses (RUNNING → PAUSED), asking for input of a JSON Schema; answered like a state proposal. A pause sent again with the same Idempotency-Key header (1 to 200 characters) while the run is still the PAUSED state it made is answered ACCEPT again, as a state proposal sent again with its transition id is: a flow whose answer was lost may send it again.");
        runs.MapPost("{id:guid}/resume", (Guid id, FlowRunResume resume, [FromHeader(Name = "Idempotency-Key")] string? key, FlowRunService service, CancellationToken ct) =>
                service.ResumeAsync(id, resume, key, ct))
            .WithName("ResumeFlowRun").Requires(Permission.Deploy).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Resume a paused run")
            .WithDescription("Resume a PAUSED run (→ RUNNING) with the input its pause asked for: 422 when it does not match the schema, 409 when the run is not PAUSED. A resume sent again with the same Idempotency-Key header (1 to 200 characters) after it resumed the run answers the run as it is now, not a 409.");
        runs.MapPost("{id:guid}/heartbeat", async Task<NoContent> (Guid id, FlowRunService service, CancellationToken ct) =>
        {
            await service.HeartbeatAsync(id, ct);
            return TypedResults.NoContent();
        }).WithName("FlowRunHeartbeat").Requires(Permission.RunReport).WithSummary("Flow run heartbeat").WithDescription("The flow-run process is alive; RUNNING runs that stop heartbeating become CRASHED.");
    }

    private static List<StateType>? ParseStates(string? states)
    {
        if (string.IsNullOrWhiteSpace(states))
        {
            return null;
        }

        var parsed = new List<StateType>();
        foreach (var name in states.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!StateTypeExtensions.TryParseWireName(name, out var type))
            {
                throw new ValidationException("state",
                    [$"unknown state '{name}'; use any of {string.Join(", ", Enum.GetValues<StateType>().Select(t => t.ToWireName()))}"]);
            }

            parsed.Add(type);
        }

        return parsed;
    }
}
