using System.Data.Common;
using Bosun.Contracts.ConcurrencyLimits;
using Dapper;
using static Bosun.Server.Storage.StateSql;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>
/// Tag concurrency limits and their slots. A slot is granted in one write transaction that locks the limits' rows (in tag
/// order, so two grants cannot deadlock), counts their live slots and inserts one per limit, all or none: like a claim,
/// no limit can be overshot however many task runs ask at once. A slot of a flow run that has ended does not count.
/// </summary>
internal static class ConcurrencyLimitStore
{
    /// <summary>Slot <c>s</c> counts: its flow run has not ended.</summary>
    private static readonly string LiveSlot = $"(SELECT r.state_type FROM flow_runs r WHERE r.id = s.flow_run_id) NOT IN {Terminal}";

    /// <summary>Creates the tag's limit, or sets the limit of its existing one.</summary>
    public static async Task UpsertAsync(WriteScope scope, string tag, int limit, DateTimeOffset now, CancellationToken cancellationToken) =>
        await scope.Connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO concurrency_limits (id, tag, concurrency_limit, created, updated) VALUES (@id, @tag, @limit, @now, @now)
            ON CONFLICT (tag) DO UPDATE SET concurrency_limit = excluded.concurrency_limit, updated = excluded.updated
            """, new { id = Guid.NewGuid(), tag, limit, now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken));

    public static async Task<IReadOnlyList<ConcurrencyLimit>> ListAsync(DbConnection connection, string? tag, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        var limits = (await connection.QueryAsync<(Guid Id, string Tag, int Limit, long Created, long Updated)>(new CommandDefinition(
            $"SELECT id, tag, concurrency_limit, created, updated FROM concurrency_limits l {(tag is null ? "" : "WHERE l.tag = @tag")} ORDER BY tag",
            new { tag }, transaction, cancellationToken: cancellationToken))).ToList();
        var slots = (await connection.QueryAsync<(Guid LimitId, Guid TaskRunId)>(new CommandDefinition(
            $"""
            SELECT s.limit_id, s.task_run_id FROM concurrency_limit_slots s JOIN concurrency_limits l ON l.id = s.limit_id
            WHERE {LiveSlot} {(tag is null ? "" : "AND l.tag = @tag")} ORDER BY s.acquired, s.task_run_id
            """,
            new { tag }, transaction, cancellationToken: cancellationToken))).ToLookup(slot => slot.LimitId, slot => slot.TaskRunId);
        return limits.Select(l => new ConcurrencyLimit(l.Id, l.Tag, l.Limit, slots[l.Id].Count(), slots[l.Id].ToList(), Time(l.Created), Time(l.Updated))).ToList();
    }

    public static async Task<int> DeleteAsync(WriteScope scope, string tag, CancellationToken cancellationToken)
    {
        // Explicitly, not by the cascade alone: SQLite enforces foreign keys only where the connection turned them on.
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM concurrency_limit_slots WHERE limit_id IN (SELECT id FROM concurrency_limits WHERE tag = @tag)", new { tag }, scope.Transaction, cancellationToken: cancellationToken));
        return await scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM concurrency_limits WHERE tag = @tag", new { tag }, scope.Transaction, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Grants <paramref name="taskRunId"/> a slot of each limit among <paramref name="tags"/>, or none: returns null when
    /// granted (or already held, or none of the tags is limited), otherwise the first full limit's tag and limit.
    /// </summary>
    public static async Task<(string Tag, int Limit)?> TryAcquireAsync(
        WriteScope scope, Guid flowRunId, Guid taskRunId, IReadOnlyList<string> tags, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ordered = tags.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var limits = new List<(Guid Id, string Tag, int Limit, int Live, int Mine)>();
        foreach (var tag in ordered)
        {
            // One row at a time, in tag order: the lock of each limit is taken before the next, the same way by every grant.
            var limit = await scope.Connection.QuerySingleOrDefaultAsync<(Guid Id, string Tag, int Limit)?>(new CommandDefinition(
                $"SELECT id, tag, concurrency_limit FROM concurrency_limits WHERE tag = @tag {scope.Dialect.RowLockClause}",
                new { tag }, scope.Transaction, cancellationToken: cancellationToken));
            if (limit is not { } found)
            {
                continue;
            }

            var (live, mine) = await scope.Connection.QuerySingleAsync<(int, int)>(new CommandDefinition(
                $"""
                SELECT (SELECT COUNT(*) FROM concurrency_limit_slots s WHERE s.limit_id = @id AND {LiveSlot}),
                    (SELECT COUNT(*) FROM concurrency_limit_slots s WHERE s.limit_id = @id AND s.task_run_id = @taskRunId)
                """,
                new { id = found.Id, taskRunId }, scope.Transaction, cancellationToken: cancellationToken));
            limits.Add((found.Id, found.Tag, found.Limit, live, mine));
        }

        if (limits.FirstOrDefault(l => l.Mine == 0 && l.Live >= l.Limit) is { Tag: not null } full)
        {
            return (full.Tag, full.Limit);
        }

        var wanted = limits.Where(l => l.Mine == 0).Select(l => l.Id).ToArray();
        if (wanted.Length > 0)
        {
            // Slots left by ended flow runs (a process that died, then crashed by the watchdog) go now, where they are counted.
            await scope.Connection.ExecuteAsync(new CommandDefinition($"""
                DELETE FROM concurrency_limit_slots WHERE {In(scope.Connection, "limit_id", "limitIds")}
                  AND flow_run_id IN (SELECT r.id FROM flow_runs r WHERE r.state_type IN {Terminal});
                INSERT INTO concurrency_limit_slots (limit_id, task_run_id, flow_run_id, acquired)
                SELECT l.id, @taskRunId, @flowRunId, @now FROM concurrency_limits l WHERE {In(scope.Connection, "l.id", "limitIds")}
                """, new { limitIds = Ids(wanted), taskRunId, flowRunId, now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken));
        }

        return null;
    }

    /// <summary>Releases every slot <paramref name="taskRunId"/> of <paramref name="flowRunId"/> holds; returns how many.</summary>
    public static async Task<int> ReleaseAsync(WriteScope scope, Guid flowRunId, Guid taskRunId, CancellationToken cancellationToken) =>
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM concurrency_limit_slots WHERE flow_run_id = @flowRunId AND task_run_id = @taskRunId",
            new { flowRunId, taskRunId }, scope.Transaction, cancellationToken: cancellationToken));
}
