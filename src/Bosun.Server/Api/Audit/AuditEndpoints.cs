using Bosun.Contracts;
using Bosun.Server.Api.Security;
using Bosun.Server.Domain;
using Bosun.Server.Orchestration.Audit;
using Bosun.Server.Orchestration.Security;

namespace Bosun.Server.Api.Audit;

/// <summary>/api/audit: the audit log, for admins.</summary>
internal static class AuditEndpoints
{
    public static void MapAudit(this IEndpointRouteBuilder api)
    {
        api.MapGet(ApiRoutes.Audit, (AuditLog audit, string? since, string? key, int? offset, int? limit, string? cursor, CancellationToken ct) =>
        {
            TimeSpan? span = null;
            if (since is not null)
            {
                span = Durations.TryParse(since, out var parsed) ? parsed : throw new ValidationException("since", [$"'{since}' is not a duration such as 90s, 1h or 7d"]);
            }

            return audit.ListAsync(span, key, Paging.Offset(offset), Paging.Limit(limit), Paging.Cursor(cursor, Paging.Offset(offset)), ct);
        }).WithTags("Audit").WithName("ListAuditEntries").Requires(Permission.Admin)
            .WithSummary("List audit entries")
            .WithDescription("Changes made through the API, newest first: since a duration ago (default 1d), of one key's name when given, a page at a time " +
                "(`limit` and the previous page's `next_cursor` as `cursor`, or an `offset`). Never holds a secret value.");
    }
}
