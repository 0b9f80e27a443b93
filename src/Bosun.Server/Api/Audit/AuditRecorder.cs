using System.Text;
using System.Text.Json;
using Bosun.Server.Api.Security;
using Bosun.Server.Orchestration.Audit;
using Bosun.Server.Storage;

namespace Bosun.Server.Api.Audit;

/// <summary>
/// Records every change made through /api in the audit log (it runs before <see cref="ApiAuthentication"/>, so that
/// refusals are recorded too): each POST, PUT, PATCH or DELETE that was answered 2xx or
/// 403, but the traffic of running flows (claims, heartbeats, logs, a run token's reports). New routes are audited
/// unless they are named here, so a forgotten one is recorded rather than missed. The summary names the route's target
/// and the body's fields (with the keys of an object field); only the values of <see cref="ShownFields"/> (names, roles,
/// pools, reasons, the secret names a deploy read) are copied, never another value, so a secret or a job variable's value never reaches the log.
/// </summary>
internal sealed class AuditRecorder(RequestDelegate next)
{
    private static readonly HashSet<string> RuntimeRoutes = new(StringComparer.Ordinal)
    {
        "ClaimFlowRuns", "ClaimServedFlowRuns", "WorkerHeartbeat", "SetFlowRunInfrastructure", "SetFlowRunWaitingReason", "FlowRunHeartbeat",
        "IssueRunToken", "ResolveSecrets", "PreviewWorkPoolJob", "PreviewDeploymentJob", "PreviewSchedule", "FilterFlowRuns", "WriteLogs", "RecordTaskRuns",
        "SetFlowRunResult",
    };

    private static readonly HashSet<string> ShownFields = new(StringComparer.Ordinal)
    {
        "name", "role", "type", "flow_name", "work_pool_name", "work_queue_name", "pools", "variables", "reason", "paused", "active",
        "concurrency_limit", "expires_in_days", "names",
    };

    private const int MaxBodyBytes = 1024 * 1024;

    public async Task InvokeAsync(HttpContext context, AuditLog audit, ILogger<AuditRecorder> logger)
    {
        var method = context.Request.Method;
        var name = context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
        if (!context.Request.Path.StartsWithSegments("/api") || HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
            || name is null || RuntimeRoutes.Contains(name))
        {
            await next(context);
            return;
        }

        context.Request.EnableBuffering();
        // The entry is written with the change, before the answer's status is set: it takes the success status the route
        // declares first (201 for a create), so that the usual answer needs no second write to correct it.
        var expected = ExpectedStatus(context.GetEndpoint()!);
        var change = new AuditedChange(() => audit.NewEntry(ApiAuthentication.CallerOf(context), name, $"{method} {context.Request.Path}",
            context.Response.HasStarted || context.Response.StatusCode != StatusCodes.Status200OK ? context.Response.StatusCode : expected, Summary(context)));
        context.Items[typeof(AuditedChange)] = change;
        // The answer is held back until the entry is durable: a 2xx the store has no entry for is never sent.
        var answer = context.Response.Body;
        using var held = new MemoryStream();
        context.Response.Body = held;
        try
        {
            await next(context);
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
        }
        catch (Exception) when (change.IsRecorded)
        {
            await SetStatusAsync(audit, change, StatusCodes.Status500InternalServerError, logger);
            throw;
        }
        finally
        {
            context.Response.Body = answer;
        }

        var status = context.Response.StatusCode;
        if (change.IsRecorded)
        {
            await SetStatusAsync(audit, change, status, logger);
        }
        else if (!IsRuntimeProgress(context) && status is >= 200 and < 300 or StatusCodes.Status403Forbidden)
        {
            try
            {
                // Nothing was written in the store (a refusal, or a change that was already so): the entry is written alone.
                await audit.RecordAsync(change.Entry with { Status = status }, CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && status != StatusCodes.Status403Forbidden)
            {
                Log.AuditWriteFailed(logger, name, ex);
                throw;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.AuditWriteFailed(logger, name, ex);
            }
        }

        held.Position = 0;
        await held.CopyToAsync(answer, context.RequestAborted);
    }

    /// <summary>
    /// The first 2xx status the endpoint declares (a typed result's, or <c>.Produces</c>), else 200. Only a guess made before
    /// the answer exists: when the answer's status differs, <see cref="SetStatusAsync"/> corrects the entry.
    /// </summary>
    private static int ExpectedStatus(Endpoint endpoint)
    {
        foreach (var produces in endpoint.Metadata.GetOrderedMetadata<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>())
        {
            if (produces.StatusCode is >= 200 and < 300)
            {
                return produces.StatusCode;
            }
        }

        return StatusCodes.Status200OK;
    }

    /// <summary>
    /// A flow-run process reports on its own run only (states, logs); a state proposed by a worker (one at a time, or a
    /// serving process's batch of final states) is a run's progress, not a change.
    /// </summary>
    public static bool IsRuntimeProgress(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName is "SetFlowRunState" or "SetFlowRunStates"
        && ApiAuthentication.CallerOf(context) is var caller && (caller.IsRunToken || caller.Role is Contracts.Security.ApiKeyRole.Worker);

    private static async Task SetStatusAsync(AuditLog audit, AuditedChange change, int status, ILogger logger)
    {
        if (status == change.Entry.Status)
        {
            return;
        }

        try
        {
            await audit.SetStatusAsync(change.Entry.Id, status, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The entry stands with the change; only the answer's status is missing from it.
            Log.AuditStatusFailed(logger, change.Entry.Action, ex);
        }
    }

    private static string Summary(HttpContext context)
    {
        var summary = new StringBuilder();
        foreach (var (key, value) in context.Request.RouteValues)
        {
            summary.Append(summary.Length > 0 ? " " : "").Append(key).Append('=').Append(value);
        }

        if (context.Request.Query.TryGetValue("force", out var force))
        {
            summary.Append(" force=").Append(force.ToString());
        }

        var body = context.Request.Body;
        if (!body.CanSeek || body.Length is 0 or > MaxBodyBytes)
        {
            return summary.ToString();
        }

        body.Position = 0;
        try
        {
            using var document = JsonDocument.Parse(body);
            AppendFields(summary, document.RootElement);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not JSON (the endpoint refused it already), or a body the endpoint did not read in full (reading the rest
            // would block): the target alone is the summary.
        }

        return summary.ToString();
    }

    /// <summary>
    /// Appends "; fields: ..." for a request body: each field's name, an object field's keys, the value of <see cref="ShownFields"/> only.
    /// The web UI's changes are summarized by the same rule (<see cref="Ui.UiChangeLog.Summary{T}"/>).
    /// </summary>
    public static void AppendFields(StringBuilder summary, JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var fields = new List<string>();
        foreach (var property in body.EnumerateObject())
        {
            // An object's keys are names (job variables, parameters), never values: they say what changed.
            fields.Add(property.Value.ValueKind == JsonValueKind.Object
                ? $"{property.Name}{{{string.Join(",", property.Value.EnumerateObject().Select(inner => inner.Name))}}}"
                : ShownFields.Contains(property.Name) && property.Value.GetRawText() is { Length: <= 200 } raw ? $"{property.Name}={raw}" : property.Name);
        }

        if (fields.Count > 0)
        {
            summary.Append(summary.Length > 0 ? "; " : "").Append("fields: ").AppendJoin(", ", fields);
        }
    }
}
