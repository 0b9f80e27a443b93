using System.Data.Common;
using Bosun.Contracts;
using Bosun.Contracts.TaskRuns;
using Dapper;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>Task runs: the newest report of each, the cache lookup over them, and their results.</summary>
internal static class TaskRunStore
{
    private const string Columns = """
        id, flow_run_id, task_name, state, attempts, start_time, end_time, message, cache_key, cache_expiration,
        (result IS NOT NULL OR result_ref IS NOT NULL) AS has_result, created, updated
        """;

    /// <summary>
    /// One statement per report, executed for the whole batch in the caller's transaction. The conflict clause keeps the
    /// report with the highest sequence, so a batch retried after a lost answer, or overtaken by a newer one, is a no-op;
    /// SQLite and PostgreSQL both read it the same way.
    /// </summary>
    public static Task<int> UpsertAsync(WriteScope scope, IEnumerable<StoredTaskRunReport> reports, DateTimeOffset now, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO task_runs (id, flow_run_id, task_name, seq, state, attempts, start_time, end_time, message, cache_key, cache_expiration,
                result, result_ref, result_size, result_serializer, created, updated)
            VALUES (@Id, @FlowRunId, @TaskName, @Seq, @State, @Attempts, @StartTime, @EndTime, @Message, @CacheKey, @CacheExpiration,
                @Result, @ResultRef, @ResultSize, @ResultSerializer, @Now, @Now)
            ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, state = excluded.state, attempts = excluded.attempts,
                start_time = excluded.start_time, end_time = excluded.end_time, message = excluded.message, cache_key = excluded.cache_key,
                cache_expiration = excluded.cache_expiration, result = excluded.result, result_ref = excluded.result_ref,
                result_size = excluded.result_size, result_serializer = excluded.result_serializer, updated = excluded.updated
            WHERE task_runs.seq < excluded.seq AND task_runs.flow_run_id = excluded.flow_run_id
            """, reports.Select(report => report with { Now = Ms(now) }), scope.Transaction, cancellationToken: cancellationToken));

    public static async Task<IReadOnlyList<TaskRun>> ListAsync(DbConnection connection, Guid flowRunId, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<TaskRunRow>(new CommandDefinition(
            $"SELECT {Columns} FROM task_runs WHERE flow_run_id = @flowRunId ORDER BY created, id", new { flowRunId }, cancellationToken: cancellationToken)))
        .Select(row => row.ToContract()).ToList();

    public static async Task<TaskRun?> GetAsync(DbConnection connection, Guid id, CancellationToken cancellationToken) =>
        (await connection.QuerySingleOrDefaultAsync<TaskRunRow>(new CommandDefinition(
            $"SELECT {Columns} FROM task_runs WHERE id = @id", new { id }, cancellationToken: cancellationToken)))?.ToContract();

    public static Task<StoredResult?> ResultAsync(DbConnection connection, Guid id, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<StoredResult?>(new CommandDefinition(
            "SELECT result, result_ref, result_size, result_serializer FROM task_runs WHERE id = @id AND (result IS NOT NULL OR result_ref IS NOT NULL)",
            new { id }, cancellationToken: cancellationToken));

    /// <summary>The newest completed task run under <paramref name="cacheKey"/> whose expiration is after <paramref name="now"/>.</summary>
    public static Task<CachedResult?> CachedAsync(DbConnection connection, string cacheKey, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.QueryFirstOrDefaultAsync<CachedResult?>(new CommandDefinition($"""
            SELECT id, result, result_ref, result_size, result_serializer, cache_expiration FROM task_runs
            WHERE cache_key = @cacheKey AND cache_expiration > @now AND state = '{EnumNames.Of(TaskRunStateType.Completed)}'
                AND (result IS NOT NULL OR result_ref IS NOT NULL)
            ORDER BY cache_expiration DESC LIMIT 1
            """, new { cacheKey, now = Ms(now) }, cancellationToken: cancellationToken));

    public static Task<int> SetFlowRunResultAsync(WriteScope scope, Guid flowRunId, StoredResult result, DateTimeOffset now, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO flow_run_results (flow_run_id, result, result_ref, result_size, result_serializer, created)
            VALUES (@flowRunId, @Result, @ResultRef, @ResultSize, @ResultSerializer, @now)
            ON CONFLICT (flow_run_id) DO UPDATE SET result = excluded.result, result_ref = excluded.result_ref, result_size = excluded.result_size,
                result_serializer = excluded.result_serializer
            """, new { flowRunId, result.Result, result.ResultRef, result.ResultSize, result.ResultSerializer, now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken));

    public static Task<StoredResult?> FlowRunResultAsync(DbConnection connection, Guid flowRunId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<StoredResult?>(new CommandDefinition(
            "SELECT result, result_ref, result_size, result_serializer FROM flow_run_results WHERE flow_run_id = @flowRunId", new { flowRunId }, cancellationToken: cancellationToken));

    private sealed class TaskRunRow
    {
        public Guid Id { get; set; }
        public Guid FlowRunId { get; set; }
        public string TaskName { get; set; } = "";
        public string State { get; set; } = "";
        public int Attempts { get; set; }
        public long? StartTime { get; set; }
        public long? EndTime { get; set; }
        public string? Message { get; set; }
        public string? CacheKey { get; set; }
        public long? CacheExpiration { get; set; }
        public bool HasResult { get; set; }
        public long Created { get; set; }
        public long Updated { get; set; }

        public TaskRun ToContract() => new(Id, FlowRunId, TaskName,
            EnumNames.TryParse<TaskRunStateType>(State, out var state) ? state : throw new InvalidOperationException($"Unknown task run state '{State}' in the store."),
            Attempts, Time(StartTime), Time(EndTime), Message, CacheKey, Time(CacheExpiration), HasResult, Time(Created), Time(Updated));
    }
}
