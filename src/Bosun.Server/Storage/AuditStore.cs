using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using Bosun.Contracts.Audit;
using Dapper;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>The audit log: one row per change made through the API.</summary>
internal static class AuditStore
{
    /// <summary>The insert of one entry; its parameters (<see cref="Parameters"/>) are prefixed, so that it can ride in another statement's command.</summary>
    public const string InsertSql = """
        INSERT INTO audit_log (id, time, key_id, key_name, action, route, status, summary)
        VALUES (@audit_id, @audit_time, @audit_key_id, @audit_key_name, @audit_action, @audit_route, @audit_status, @audit_summary)
        """;

    public static object Parameters(AuditEntry entry) => new
    {
        audit_id = entry.Id, audit_time = Ms(entry.Time), audit_key_id = entry.KeyId, audit_key_name = entry.KeyName, audit_action = entry.Action,
        audit_route = entry.Route, audit_status = entry.Status, audit_summary = entry.Summary,
    };

    public static Task InsertAsync(WriteScope scope, AuditEntry entry, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(InsertSql, Parameters(entry), scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// The insert of several entries in one statement (the entries of requests whose changes one transaction makes
    /// together), its parameters prefixed and suffixed by position, so that it can ride in another statement's command.
    /// </summary>
    public static (string Sql, DynamicParameters Parameters) InsertAll(IReadOnlyList<AuditEntry> entries)
    {
        var sql = new StringBuilder("INSERT INTO audit_log (id, time, key_id, key_name, action, route, status, summary) VALUES ");
        var parameters = new DynamicParameters();
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            sql.Append(CultureInfo.InvariantCulture,
                $"{(i > 0 ? ", " : "")}(@audit_id_{i}, @audit_time_{i}, @audit_key_id_{i}, @audit_key_name_{i}, @audit_action_{i}, @audit_route_{i}, @audit_status_{i}, @audit_summary_{i})");
            parameters.Add($"audit_id_{i}", entry.Id);
            parameters.Add($"audit_time_{i}", Ms(entry.Time));
            parameters.Add($"audit_key_id_{i}", entry.KeyId?.ToString("D"), DbType.String);
            parameters.Add($"audit_key_name_{i}", entry.KeyName);
            parameters.Add($"audit_action_{i}", entry.Action);
            parameters.Add($"audit_route_{i}", entry.Route);
            parameters.Add($"audit_status_{i}", entry.Status);
            parameters.Add($"audit_summary_{i}", entry.Summary);
        }

        return (sql.ToString(), parameters);
    }

    /// <summary>The answer's status, known only after the entry was written with the change.</summary>
    public static Task SetStatusAsync(WriteScope scope, Guid id, int status, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE audit_log SET status = @status WHERE id = @id", new { id, status }, scope.Transaction, cancellationToken: cancellationToken));

    private const string Filter = """
        WHERE time >= @since AND (CAST(@keyName AS TEXT) IS NULL OR key_name = @keyName)
        AND (CAST(@action AS TEXT) IS NULL OR LOWER(action) = LOWER(@action))
        AND (CAST(@target AS TEXT) IS NULL OR route LIKE @target ESCAPE '\' OR summary LIKE @target ESCAPE '\')
        """;

    /// <summary>The LIKE pattern of entries whose route or summary contains <paramref name="text"/>.</summary>
    private static string? Contains(string? text) =>
        text is null ? null : "%" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";

    /// <summary>
    /// Entries since <paramref name="since"/>, of the key named <paramref name="keyName"/>, the action <paramref name="action"/>
    /// and whose route or summary contains <paramref name="target"/>, each when given; newest first.
    /// </summary>
    /// <remarks>After the entry <paramref name="after"/> names (time, id; a cursor's) when given, then <paramref name="offset"/> on.</remarks>
    public static async Task<IReadOnlyList<AuditEntry>> ListAsync(
        DbConnection connection, DateTimeOffset since, string? keyName, string? action, string? target, (long Time, Guid Id)? after, int offset, int limit,
        CancellationToken cancellationToken) =>
        (await connection.QueryAsync<AuditRow>(new CommandDefinition(
            $"SELECT * FROM audit_log {Filter} AND (CAST(@afterId AS TEXT) IS NULL OR time < @afterTime OR (time = @afterTime AND id > @afterId)) ORDER BY time DESC, id LIMIT @limit OFFSET @offset",
            new { since = Ms(since), keyName, action, target = Contains(target), afterTime = after?.Time, afterId = after?.Id.ToString("D"), offset, limit }, cancellationToken: cancellationToken)))
        .Select(row => new AuditEntry(row.Id, Time(row.Time), row.KeyId, row.KeyName, row.Action, row.Route, row.Status, row.Summary)).ToList();

    public static Task<int> CountAsync(DbConnection connection, DateTimeOffset since, string? keyName, string? action, string? target, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<int>(new CommandDefinition(
            $"SELECT COUNT(*) FROM audit_log {Filter}", new { since = Ms(since), keyName, action, target = Contains(target) }, cancellationToken: cancellationToken));

    /// <summary>The retention sweep's statement (served by ix_audit_log_time).</summary>
    public const string PruneSql = "DELETE FROM audit_log WHERE time < @before";

    /// <summary>Deletes entries older than <paramref name="before"/>; returns how many.</summary>
    public static Task<int> PruneAsync(WriteScope scope, DateTimeOffset before, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            PruneSql, new { before = Ms(before) }, scope.Transaction, cancellationToken: cancellationToken));

    private sealed class AuditRow
    {
        public Guid Id { get; set; }
        public long Time { get; set; }
        public Guid? KeyId { get; set; }
        public string KeyName { get; set; } = "";
        public string Action { get; set; } = "";
        public string Route { get; set; } = "";
        public int Status { get; set; }
        public string Summary { get; set; } = "";
    }
}
