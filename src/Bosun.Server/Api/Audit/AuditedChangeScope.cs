using Bosun.Server.Storage;

namespace Bosun.Server.Api.Audit;

/// <summary>
/// Makes the request's <see cref="AuditedChange"/> (set by <see cref="AuditRecorder"/>) ambient for the endpoint, so
/// the change's write transaction takes its entry. It runs after <see cref="Security.ApiAuthentication"/>: the entry names
/// the authenticated caller, and the authentication's own bookkeeping (a key's last use) is no change of the caller's.
/// </summary>
internal sealed class AuditedChangeScope(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context) =>
        context.Items.TryGetValue(typeof(AuditedChange), out var item) && item is AuditedChange change && !AuditRecorder.IsRuntimeProgress(context)
            ? change.RunAsync(() => next(context))
            : next(context);
}
