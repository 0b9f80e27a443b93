using System.Data.Common;
using Bosun.Contracts.Logs;
using Dapper;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>Run logs, ordered by an increasing id so that readers can follow with <c>after</c>.</summary>
internal static class LogStore
{
    public static async Task InsertAsync(WriteScope scope, IReadOnlyList<LogCreate> lines, CancellationToken cancellationToken)
    {
        var rows = lines.Select(line => new
        {
            runId = line.FlowRunId,
            timestamp = Ms(line.Timestamp),
            level = LevelName(line.Level),
            message = line.Message,
            source = SourceName(line.Source),
        });
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO logs (flow_run_id, timestamp, level, message, source) VALUES (@runId, @timestamp, @level, @message, @source)",
            rows, scope.Transaction, cancellationToken: cancellationToken));
    }

    public static async Task<IReadOnlyList<LogEntry>> ReadAsync(DbConnection connection, Guid runId, long after, int limit, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(long Id, long Timestamp, string Level, string Message, string Source)>(new CommandDefinition(
            "SELECT id, timestamp, level, message, source FROM logs WHERE flow_run_id = @runId AND id > @after ORDER BY id LIMIT @limit",
            new { runId, after, limit }, cancellationToken: cancellationToken));
        return rows.Select(row => new LogEntry(row.Id, runId, Time(row.Timestamp), ParseLevel(row.Level), row.Message, ParseSource(row.Source))).ToList();
    }

    public static Task<int> CountAsync(DbConnection connection, Guid runId, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM logs WHERE flow_run_id = @runId", new { runId }, cancellationToken: cancellationToken));

    private static string LevelName(RunLogLevel level) => level.ToString().ToUpperInvariant();

    private static RunLogLevel ParseLevel(string name) => Enum.TryParse<RunLogLevel>(name, ignoreCase: true, out var level) ? level : RunLogLevel.Info;

    private static string SourceName(LogSource source) => source.ToString().ToLowerInvariant();

    private static LogSource ParseSource(string name) => Enum.TryParse<LogSource>(name, ignoreCase: true, out var source) ? source : LogSource.Flow;
}
