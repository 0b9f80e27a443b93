using System.Data.Common;
using Bosun.Contracts.Logs;
using Bosun.Server.Domain;
using Dapper;
using Npgsql;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>
/// Run logs, ordered by an increasing id so that readers follow with <c>after</c> (keyset by the index on
/// (flow_run_id, id): each page costs the same, however far into a run it is).
/// </summary>
internal static class LogStore
{
    /// <summary>
    /// Writes <paramref name="lines"/>. A reader that has seen a line must never later find an older id of the same run
    /// appear: the writers of a run are serialized (<see cref="SqlDialect.LogWritersLockStatement"/>), so that its lines
    /// commit in id order. PostgreSQL gets the whole batch in one statement (one round trip instead of one per line).
    /// </summary>
    public static async Task InsertAsync(WriteScope scope, IReadOnlyList<LogCreate> lines, CancellationToken cancellationToken)
    {
        if (scope.Dialect.LogWritersLockStatement is { Length: > 0 } lockWriters)
        {
            await scope.Connection.ExecuteAsync(new CommandDefinition(
                lockWriters, new { runIds = Ids(lines.Select(line => line.FlowRunId).Distinct()) }, scope.Transaction, cancellationToken: cancellationToken));
        }

        if (scope.Connection is NpgsqlConnection)
        {
            await scope.Connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO logs (flow_run_id, timestamp, level, message, source, trace_id, span_id, task_run_id)
                SELECT * FROM unnest(@runIds, @timestamps, @levels, @messages, @sources, @traceIds, @spanIds, @taskRunIds)
                """, new
            {
                runIds = lines.Select(line => line.FlowRunId.ToString("D")).ToArray(),
                timestamps = lines.Select(line => Ms(line.Timestamp)).ToArray(),
                levels = lines.Select(line => LevelName(line.Level)).ToArray(),
                messages = lines.Select(line => line.Message).ToArray(),
                sources = lines.Select(line => SourceName(line.Source)).ToArray(),
                traceIds = lines.Select(line => line.TraceId).ToArray(),
                spanIds = lines.Select(line => line.SpanId).ToArray(),
                taskRunIds = lines.Select(line => line.TaskRunId?.ToString("D")).ToArray(),
            }, scope.Transaction, cancellationToken: cancellationToken));
            return;
        }

        var rows = lines.Select(line => new
        {
            runId = line.FlowRunId,
            timestamp = Ms(line.Timestamp),
            level = LevelName(line.Level),
            message = line.Message,
            source = SourceName(line.Source),
            traceId = line.TraceId,
            spanId = line.SpanId,
            taskRunId = line.TaskRunId?.ToString("D"),
        });
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO logs (flow_run_id, timestamp, level, message, source, trace_id, span_id, task_run_id) VALUES (@runId, @timestamp, @level, @message, @source, @traceId, @spanId, @taskRunId)",
            rows, scope.Transaction, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Records the key of a batch about to be written: false when a batch with that key was already written (its answer was
    /// lost and the client sent it again), and then nothing more must be written.
    /// </summary>
    public static async Task<bool> RecordBatchAsync(WriteScope scope, string key, DateTimeOffset now, CancellationToken cancellationToken) =>
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO log_batches (id, created) VALUES (@key, @now) ON CONFLICT (id) DO NOTHING",
            new { key, now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken)) == 1;

    /// <summary>The statement forgetting old batch keys (served by ix_log_batches_created).</summary>
    public const string ForgetBatchesSql = "DELETE FROM log_batches WHERE created < @before";

    /// <summary>Forgets the keys of batches written before <paramref name="before"/>.</summary>
    public static Task<int> ForgetBatchesAsync(WriteScope scope, DateTimeOffset before, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            ForgetBatchesSql, new { before = Ms(before) }, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Up to <paramref name="limit"/> lines of the run after the line with id <paramref name="after"/>, in order; only those
    /// of the task runs <paramref name="tasks"/> picks, when it picks some.
    /// </summary>
    public static async Task<IReadOnlyList<LogEntry>> ReadAsync(DbConnection connection, Guid runId, long after, int limit, LogTaskFilter? tasks,
        CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<LogRow>(new CommandDefinition(
            $"SELECT {Columns} FROM logs WHERE flow_run_id = @runId AND id > @after {TaskCondition(tasks)} ORDER BY id LIMIT @limit",
            new { runId, after, limit, taskRunId = tasks?.TaskRunId, taskName = tasks?.TaskName }, cancellationToken: cancellationToken));
        return rows.Select(row => Entry(runId, row)).ToList();
    }

    /// <summary>The run's last <paramref name="count"/> lines, in order.</summary>
    public static async Task<IReadOnlyList<LogEntry>> ReadLastAsync(DbConnection connection, Guid runId, int count, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<LogRow>(new CommandDefinition(
            $"SELECT {Columns} FROM logs WHERE flow_run_id = @runId ORDER BY id DESC LIMIT @count",
            new { runId, count }, cancellationToken: cancellationToken));
        return rows.Reverse().Select(row => Entry(runId, row)).ToList();
    }

    /// <summary>The id of the run's last line, 0 when it has none.</summary>
    public static Task<long> LastIdAsync(DbConnection connection, Guid runId, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COALESCE(MAX(id), 0) FROM logs WHERE flow_run_id = @runId", new { runId }, cancellationToken: cancellationToken));

    public static Task<int> CountAsync(DbConnection connection, Guid runId, LogTaskFilter? tasks, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<int>(new CommandDefinition(
            $"SELECT COUNT(*) FROM logs WHERE flow_run_id = @runId {TaskCondition(tasks)}",
            new { runId, taskRunId = tasks?.TaskRunId, taskName = tasks?.TaskName }, cancellationToken: cancellationToken));

    private const string Columns = "id, timestamp, level, message, source, trace_id, span_id, task_run_id";

    /// <summary>The lines of one task run, or of the run's task runs of one task (binds @taskRunId, @taskName).</summary>
    private static string TaskCondition(LogTaskFilter? tasks) => tasks switch
    {
        { TaskRunId: not null } => "AND task_run_id = @taskRunId",
        { TaskName: not null } => "AND task_run_id IN (SELECT t.id FROM task_runs t WHERE t.flow_run_id = @runId AND t.task_name = @taskName)",
        _ => "",
    };

    private static LogEntry Entry(Guid runId, LogRow row) =>
        new(row.Id, runId, Time(row.Timestamp), ParseLevel(row.Level), row.Message, ParseSource(row.Source))
        {
            TraceId = row.TraceId, SpanId = row.SpanId, TaskRunId = row.TaskRunId,
        };

    /// <summary>A stored line as read.</summary>
    private sealed class LogRow
    {
        public long Id { get; set; }

        public long Timestamp { get; set; }

        public string Level { get; set; } = "";

        public string Message { get; set; } = "";

        public string Source { get; set; } = "";

        public string? TraceId { get; set; }

        public string? SpanId { get; set; }

        public Guid? TaskRunId { get; set; }
    }

    private static string LevelName(RunLogLevel level) => level.ToString().ToUpperInvariant();

    private static RunLogLevel ParseLevel(string name) => Enum.TryParse<RunLogLevel>(name, ignoreCase: true, out var level) ? level : RunLogLevel.Info;

    private static string SourceName(LogSource source) => source.ToString().ToLowerInvariant();

    private static LogSource ParseSource(string name) => Enum.TryParse<LogSource>(name, ignoreCase: true, out var source) ? source : LogSource.Flow;
}
