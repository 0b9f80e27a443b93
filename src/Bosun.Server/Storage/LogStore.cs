using System.Data.Common;
using Bosun.Contracts.Logs;
using Bosun.Server.Domain;
using Dapper;
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
    public static Task InsertAsync(WriteScope scope, IReadOnlyList<LogCreate> lines, CancellationToken cancellationToken) =>
        InsertAsync(scope, lines, [], cancellationToken);

    /// <summary>
    /// Writes <paramref name="lines"/> as <see cref="InsertAsync(WriteScope, IReadOnlyList{LogCreate}, CancellationToken)"/>
    /// does, and returns what it added to each run of <paramref name="handOff"/> (the runs being followed), with their ids
    /// and the id of the run's line before them, read after the run's writers' lock: an in-memory hand-off to the run's
    /// followers, so that they need not read the lines back from the store.
    /// </summary>
    public static async Task<IReadOnlyList<WrittenLogLines>> InsertAsync(WriteScope scope, IReadOnlyList<LogCreate> lines,
        IReadOnlyCollection<Guid> handOff, CancellationToken cancellationToken)
    {
        if (scope.Dialect.LogWritersLockStatement is { Length: > 0 } lockWriters)
        {
            await scope.Connection.ExecuteAsync(new CommandDefinition(
                lockWriters, new { runIds = Ids(lines.Select(line => line.FlowRunId).Distinct()) }, scope.Transaction, cancellationToken: cancellationToken));
        }

        var before = new Dictionary<Guid, long>(handOff.Count);
        foreach (var runId in handOff)
        {
            before[runId] = await LastIdAsync(scope.Connection, scope.Transaction, runId, cancellationToken);
        }

        var ids = await InsertLinesAsync(scope, lines, returnIds: handOff.Count > 0, cancellationToken);
        if (handOff.Count == 0)
        {
            return [];
        }

        return before.Select(run => new WrittenLogLines(run.Key, run.Value, lines
                .Select((line, i) => (Line: line, Id: ids[i]))
                .Where(written => written.Line.FlowRunId == run.Key)
                .Select(written => Entry(written.Id, written.Line))
                .ToList()))
            .Where(written => written.Lines.Count > 0)
            .ToList();
    }

    /// <summary>Inserts the lines; with <paramref name="returnIds"/>, the id each line got, in the lines' order.</summary>
    private static async Task<IReadOnlyList<long>> InsertLinesAsync(WriteScope scope, IReadOnlyList<LogCreate> lines, bool returnIds, CancellationToken cancellationToken)
    {
        if (scope.Dialect is PostgresDialect)
        {
            // Ordered by the arrays' index, the rows are inserted (and given their ids) and returned in the lines' order.
            var command = new CommandDefinition("""
                INSERT INTO logs (flow_run_id, timestamp, level, message, source, trace_id, span_id, task_run_id)
                SELECT r, t, l, m, s, tr, sp, tk
                FROM unnest(@runIds, @timestamps, @levels, @messages, @sources, @traceIds, @spanIds, @taskRunIds) WITH ORDINALITY AS u(r, t, l, m, s, tr, sp, tk, n)
                ORDER BY n
                """ + (returnIds ? " RETURNING id" : ""), new
            {
                runIds = lines.Select(line => line.FlowRunId.ToString("D")).ToArray(),
                timestamps = lines.Select(line => Ms(line.Timestamp)).ToArray(),
                levels = lines.Select(line => LevelName(line.Level)).ToArray(),
                messages = lines.Select(line => line.Message).ToArray(),
                sources = lines.Select(line => SourceName(line.Source)).ToArray(),
                traceIds = lines.Select(line => line.TraceId).ToArray(),
                spanIds = lines.Select(line => line.SpanId).ToArray(),
                taskRunIds = lines.Select(line => line.TaskRunId?.ToString("D")).ToArray(),
            }, scope.Transaction, cancellationToken: cancellationToken);
            if (!returnIds)
            {
                await scope.Connection.ExecuteAsync(command);
                return [];
            }

            return (await scope.Connection.QueryAsync<long>(command)).AsList();
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
        if (!returnIds)
        {
            return [];
        }

        // The writer inserted the lines one after the other and nothing else meanwhile (it holds the database's write
        // lock), and an AUTOINCREMENT key only grows: the lines got the ids up to the last one, in order.
        var last = await scope.Connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT last_insert_rowid()", transaction: scope.Transaction, cancellationToken: cancellationToken));
        return Enumerable.Range(0, lines.Count).Select(i => last - lines.Count + 1 + i).ToList();
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
        LastIdAsync(connection, null, runId, cancellationToken);

    private static Task<long> LastIdAsync(DbConnection connection, DbTransaction? transaction, Guid runId, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COALESCE(MAX(id), 0) FROM logs WHERE flow_run_id = @runId", new { runId }, transaction, cancellationToken: cancellationToken));

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

    /// <summary>A line as written, as a read would return it (the store keeps its time to the millisecond).</summary>
    private static LogEntry Entry(long id, LogCreate line) =>
        new(id, line.FlowRunId, Time(Ms(line.Timestamp)), line.Level, line.Message, line.Source)
        {
            TraceId = line.TraceId, SpanId = line.SpanId, TaskRunId = line.TaskRunId,
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
