using Bosun.Server.Orchestration.Security;
using Microsoft.AspNetCore.Mvc;

namespace Bosun.Server.Api.Security;

/// <summary>
/// Checks every /api (and /metrics) request against the permission its route declares (<see cref="Requires"/>): 401 without a working
/// key, 403 when the key's role (or the run token's scope) does not cover the route, 429 after repeated failures. With
/// no API key in the store (a loopback server), everyone is allowed.
/// </summary>
internal sealed class ApiAuthentication(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, SecurityService security, AuthFailureLimiter limiter, IProblemDetailsService problems)
    {
        if (!(context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments(Metrics.MetricsEndpoints.Path)) || context.GetEndpoint() is not { } endpoint)
        {
            await next(context);
            return;
        }

        // A route that forgot to declare its permission is for admins only: fail closed.
        var requires = endpoint.Metadata.GetMetadata<Requires>() ?? new Requires(Permission.Admin);
        if (requires.AnyOf.Contains(Permission.Anonymous) || !await security.AuthEnabledAsync(context.RequestAborted))
        {
            await next(context);
            return;
        }

        var address = context.Connection.RemoteIpAddress;
        if (limiter.IsBlocked(address, out var retryAfter))
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await WriteAsync(context, problems, StatusCodes.Status429TooManyRequests, "Too many failed authentications",
                $"Too many requests with a wrong API key from this address; try again in {Math.Ceiling(retryAfter.TotalSeconds)} s.");
            return;
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
        {
            await WriteAsync(context, problems, StatusCodes.Status401Unauthorized, "API key required",
                "This server requires an API key: send `Authorization: Bearer <key>` (BOSUN_API_KEY, or `bosun config set api-key KEY`).");
            return;
        }

        var caller = await security.AuthenticateAsync(header[7..].Trim(), context.RequestAborted);
        if (caller is null)
        {
            limiter.RecordFailure(address);
            await WriteAsync(context, problems, StatusCodes.Status401Unauthorized, "Invalid API key",
                "The API key is not valid: it is unknown, revoked or expired. Ask an admin for a key (`bosun api-key create`).");
            return;
        }

        // Known from here on, also for a refusal: the audit log records who was refused.
        context.Items[typeof(BosunCaller)] = caller;
        if (!requires.AnyOf.Any(caller.Has) || (caller.IsRunToken && !await InRunScopeAsync(context, caller, security)))
        {
            var who = caller.IsRunToken ? $"a token for flow run {caller.RunId}" : $"a {caller.Role.ToString()!.ToLowerInvariant()} key ('{caller.Name}')";
            await WriteAsync(context, problems, StatusCodes.Status403Forbidden, "Not allowed",
                $"{context.Request.Method} {context.Request.Path} needs the '{requires}' permission; the request used {who}.");
            return;
        }

        if (caller.Pools is not null && await OutsidePoolsAsync(context, caller, security) is { } target)
        {
            await WriteAsync(context, problems, StatusCodes.Status403Forbidden, "Not allowed", caller.NotServing(target));
            return;
        }

        await next(context);
    }

    /// <summary>
    /// What a pool-scoped worker key reaches outside its pools: a pool named in the route (its claim, heartbeat, queues,
    /// workers), a flow run of another pool (its states, logs, infrastructure, token), a task run of such a run, or served
    /// runs. Null when nothing. Lists of runs are narrowed to the key's pools where they are read (FlowRunService).
    /// </summary>
    private static async Task<string?> OutsidePoolsAsync(HttpContext context, BosunCaller caller, SecurityService security)
    {
        var routeValues = context.Request.RouteValues;
        var path = context.Request.Path.Value ?? "";
        if (path.StartsWith($"/api/{Contracts.ApiRoutes.WorkPools}/", StringComparison.Ordinal)
            && (routeValues.TryGetValue("name", out var pool) || routeValues.TryGetValue("pool", out pool)) && !caller.Serves(pool?.ToString()))
        {
            return $"work pool '{pool}'";
        }

        if (context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == "ClaimServedFlowRuns")
        {
            return "a served deployment";
        }

        if (path.StartsWith($"/api/{Contracts.ApiRoutes.FlowRuns}/", StringComparison.Ordinal)
            && routeValues.TryGetValue("id", out var id) && Guid.TryParse(id?.ToString(), out var runId)
            && await security.RunPoolAsync(runId, context.RequestAborted) is (true, var runPool) && !caller.Serves(runPool))
        {
            return BosunCaller.RunTarget(runId, runPool);
        }

        if (path.StartsWith($"/api/{Contracts.ApiRoutes.TaskRuns}/", StringComparison.Ordinal)
            && routeValues.TryGetValue("id", out var taskId) && Guid.TryParse(taskId?.ToString(), out var taskRunId)
            && await security.TaskRunPoolAsync(taskRunId, context.RequestAborted) is (true, var taskPool) && !caller.Serves(taskPool))
        {
            return $"task run {taskRunId} (work pool '{taskPool ?? "none: served"}')";
        }

        return null;
    }

    /// <summary>Who made this request, as <see cref="InvokeAsync"/> found: <see cref="BosunCaller.Anonymous"/> when the route needs no key or none is configured.</summary>
    public static BosunCaller CallerOf(HttpContext context) =>
        context.Items.TryGetValue(typeof(BosunCaller), out var caller) && caller is BosunCaller found ? found : BosunCaller.Anonymous;

    /// <summary>
    /// A run token reaches the runs of its tree — its own run, the subflows and deployment runs it started, and theirs —
    /// and their task runs (read only); the list of the children of one run of its tree (a resumed flow finds the subflows
    /// it completed before its suspension there); its run's deployment (read only); the batched log, task-run and state
    /// routes (checked per item against the same tree) and the task cache. Nothing outside its tree.
    /// </summary>
    private static async Task<bool> InRunScopeAsync(HttpContext context, BosunCaller caller, SecurityService security)
    {
        var path = context.Request.Path.Value ?? "";
        if (path is "/api/logs" or "/api/task_runs/batch" or "/api/flow_runs/set_states")
        {
            // The batched routes: each line, report or proposal is checked against the tree where it is written.
            return true;
        }

        var id = context.Request.RouteValues.TryGetValue("id", out var value) && Guid.TryParse(value?.ToString(), out var parsed) ? parsed : (Guid?)null;
        if (path.TrimEnd('/') == "/api/flow_runs" && HttpMethods.IsGet(context.Request.Method))
        {
            return context.Request.Query["parent_flow_run_id"] is { Count: 1 } parent && Guid.TryParse(parent[0], out var parentId)
                && await security.InRunTreeAsync(parentId, caller.RunId!.Value, context.RequestAborted);
        }

        if (path.StartsWith("/api/flow_runs/", StringComparison.Ordinal))
        {
            return id is { } runId && await security.InRunTreeAsync(runId, caller.RunId!.Value, context.RequestAborted);
        }

        if (path.StartsWith("/api/task_runs/", StringComparison.Ordinal) && id is { } taskRunId && HttpMethods.IsGet(context.Request.Method))
        {
            return await security.TaskRunInRunTreeAsync(taskRunId, caller.RunId!.Value, context.RequestAborted);
        }

        if (path.StartsWith("/api/deployments/", StringComparison.Ordinal))
        {
            return HttpMethods.IsGet(context.Request.Method) && id is not null && id == caller.DeploymentId;
        }

        // A cache entry is shared by every run of its task.
        return path.StartsWith("/api/task_runs/cache/", StringComparison.Ordinal) && HttpMethods.IsGet(context.Request.Method);
    }

    private static async Task WriteAsync(HttpContext context, IProblemDetailsService problems, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}
