using System.Globalization;
using Bosun.Contracts;
using Bosun.Contracts.Audit;
using Bosun.Server.Domain;
using Bosun.Server.Orchestration.Security;
using Bosun.Server.Storage;

namespace Bosun.Server.Orchestration.Audit;

/// <summary>Who changed what through the API, and when (docs/security.md, "Audit log").</summary>
internal sealed class AuditLog(BosunDatabase database, TimeProvider timeProvider)
{
    /// <summary>An entry for a change <paramref name="caller"/> makes now.</summary>
    public AuditEntry NewEntry(BosunCaller caller, string action, string route, int status, string summary) =>
        new(Guid.NewGuid(), timeProvider.GetUtcNow(), caller.KeyId, caller.Name, action, route, status, summary);

    /// <summary>Writes <paramref name="entry"/> on its own: for a refusal, or a request that changed nothing in the store.</summary>
    public Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken) =>
        database.WriteAsync(async scope =>
        {
            await AuditStore.InsertAsync(scope, entry, cancellationToken);
            return 0;
        }, cancellationToken);

    /// <summary>Sets the answer's status on an entry written with its change, before the answer was known.</summary>
    public Task SetStatusAsync(Guid id, int status, CancellationToken cancellationToken) =>
        database.WriteAsync(async scope =>
        {
            await AuditStore.SetStatusAsync(scope, id, status, cancellationToken);
            return 0;
        }, cancellationToken);

    /// <summary>Entries of the last <paramref name="since"/> (default 24 h), of one key's name when given, newest first.</summary>
    public Task<Page<AuditEntry>> ListAsync(TimeSpan? since, string? keyName, int offset, int limit, string? cursor, CancellationToken cancellationToken) =>
        ListAsync(since, keyName, null, null, offset, limit, cursor, cancellationToken);

    /// <summary>As above, also of one action (by name) and whose route or summary contains <paramref name="target"/>, each when given.</summary>
    public async Task<Page<AuditEntry>> ListAsync(
        TimeSpan? since, string? keyName, string? action, string? target, int offset, int limit, string? cursor, CancellationToken cancellationToken)
    {
        if (since is { } span && span <= TimeSpan.Zero)
        {
            throw new ValidationException("since", ["must be a positive duration such as 1h or 7d"]);
        }

        var from = timeProvider.GetUtcNow() - (since ?? TimeSpan.FromDays(1));
        var after = KeyCursor.Parts(cursor, 2) is { } parts
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var time) && Guid.TryParse(parts[1], out var id)
            ? (time, id)
            : cursor is null ? ((long, Guid)?)null : throw BadRequestException.ForeignCursor();
        return await database.ReadAsync(async connection =>
        {
            var entries = await AuditStore.ListAsync(connection, from, keyName, action, target, after, offset, limit + 1, cancellationToken);
            var (page, next) = KeyCursor.Cut(entries, limit, entry => [StoredValues.Ms(entry.Time).ToString(CultureInfo.InvariantCulture), entry.Id.ToString("D")]);
            return new Page<AuditEntry>(page, await AuditStore.CountAsync(connection, from, keyName, action, target, cancellationToken), offset, limit) { NextCursor = next };
        }, cancellationToken);
    }
}
