using Bosun.Contracts;
using Bosun.Contracts.Audit;
using Bosun.Server.Domain;
using Bosun.Server.Orchestration.Security;
using Bosun.Server.Storage;

namespace Bosun.Server.Orchestration.Audit;

/// <summary>Who changed what through the API, and when (docs/security.md, "Audit log").</summary>
internal sealed class AuditLog(BosunDatabase database, TimeProvider timeProvider)
{
    public async Task RecordAsync(BosunCaller caller, string action, string route, int status, string summary, CancellationToken cancellationToken)
    {
        var entry = new AuditEntry(Guid.NewGuid(), timeProvider.GetUtcNow(), caller.KeyId, caller.Name, action, route, status, summary);
        await database.WriteAsync(async scope =>
        {
            await AuditStore.InsertAsync(scope, entry, cancellationToken);
            return 0;
        }, cancellationToken);
    }

    /// <summary>Entries of the last <paramref name="since"/> (default 24 h), of one key's name when given, newest first.</summary>
    public async Task<Page<AuditEntry>> ListAsync(TimeSpan? since, string? keyName, int offset, int limit, CancellationToken cancellationToken)
    {
        if (since is { } span && span <= TimeSpan.Zero)
        {
            throw new ValidationException("since", ["must be a positive duration such as 1h or 7d"]);
        }

        var from = timeProvider.GetUtcNow() - (since ?? TimeSpan.FromDays(1));
        return await database.ReadAsync(async connection => new Page<AuditEntry>(
            await AuditStore.ListAsync(connection, from, keyName, offset, limit, cancellationToken),
            await AuditStore.CountAsync(connection, from, keyName, cancellationToken), offset, limit), cancellationToken);
    }
}
