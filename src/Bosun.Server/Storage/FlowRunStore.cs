using System.Data;
using System.Data.Common;
using System.Text;
using System.Text.Json.Nodes;
using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Server.Domain;
using Dapper;
using Microsoft.Data.Sqlite;
using static Bosun.Server.Storage.StateSql;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>Flow runs: rows, the guarded state transition, and the run-level bookkeeping.</summary>
internal static partial class FlowRunStore
{
    /// <summary>
    /// A run with the names it refers to. The names come from scalar subqueries rather than joins: PostgreSQL plans a
    /// join of five tables anew for many executions of a prepared statement, and that planning cost more than the query.
    /// </summary>
    public const string SelectRun = """
        SELECT r.*, d.name AS deployment_name, d.concurrency_limit AS deployment_concurrency_limit, d.collision_strategy AS deployment_collision_strategy,
            d.catch_up AS deployment_catch_up,
            (SELECT f.name FROM flows f WHERE f.id = r.flow_id) AS flow_name,
            (SELECT p.name FROM work_pools p WHERE p.id = r.work_pool_id) AS work_pool_name,
            (SELECT q.name FROM work_queues q WHERE q.id = r.work_queue_id) AS work_queue_name
        FROM flow_runs r
        LEFT JOIN deployments d ON d.id = r.deployment_id
        """;

    /// <summary>
    /// A run as a state change needs it: its own columns and its deployment's limit, without the names (which
    /// <see cref="TransitionOutcome.Run"/> then lacks).
    /// </summary>
    private const string RunStateColumns = """
        SELECT r.*, d.concurrency_limit AS deployment_concurrency_limit, d.collision_strategy AS deployment_collision_strategy,
            d.crash_retries AS deployment_crash_retries, d.crash_retry_delay_seconds AS deployment_crash_retry_delay_seconds
        """;

    private const string RunStateFrom = " FROM flow_runs r LEFT JOIN deployments d ON d.id = r.deployment_id";

    private const string SelectRunState = RunStateColumns + RunStateFrom;

    public static async Task<FlowRunRow?> GetAsync(DbConnection connection, Guid id, DbTransaction? transaction = null, CancellationToken cancellationToken = default) =>
        await connection.QuerySingleOrDefaultAsync<FlowRunRow>(new CommandDefinition(
            SelectRun + " WHERE r.id = @id", new { id }, transaction, cancellationToken: cancellationToken));

    public static async Task<bool> ExistsAsync(DbConnection connection, Guid id, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM flow_runs WHERE id = @id", new { id }, cancellationToken: cancellationToken)) > 0;

    /// <summary>
    /// Whether <paramref name="runId"/> is <paramref name="rootId"/> or one of its descendants (subflows and deployment runs
    /// it started, and theirs), following parent links up at most 64 levels.
    /// </summary>
    public static Task<bool> IsInTreeAsync(DbConnection connection, Guid runId, Guid rootId, CancellationToken cancellationToken) =>
        IsInTreeAsync(connection, null, runId, rootId, cancellationToken);

    private static async Task<bool> IsInTreeAsync(DbConnection connection, DbTransaction? transaction, Guid runId, Guid rootId, CancellationToken cancellationToken)
    {
        Guid? current = runId;
        for (var depth = 0; depth < 64 && current is { } id; depth++)
        {
            if (id == rootId)
            {
                return true;
            }

            // Read as text: the Guid handler does not take a NULL (a run without a parent).
            var parent = await connection.ExecuteScalarAsync<object?>(new CommandDefinition(
                "SELECT parent_flow_run_id FROM flow_runs WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken));
            current = parent switch
            {
                Guid guid => guid,
                string text when Guid.TryParse(text, out var parsed) => parsed,
                _ => null,
            };
        }

        return false;
    }

    /// <summary>The first of <paramref name="runIds"/> outside the tree of <paramref name="rootId"/> (<see cref="IsInTreeAsync(DbConnection, Guid, Guid, CancellationToken)"/>), or null.</summary>
    public static Task<Guid?> FirstOutsideTreeAsync(DbConnection connection, IEnumerable<Guid> runIds, Guid rootId, CancellationToken cancellationToken) =>
        FirstOutsideTreeAsync(connection, null, runIds, rootId, cancellationToken);

    /// <summary>As <see cref="FirstOutsideTreeAsync(DbConnection, IEnumerable{Guid}, Guid, CancellationToken)"/>, in a write.</summary>
    public static Task<Guid?> FirstOutsideTreeAsync(WriteScope scope, IEnumerable<Guid> runIds, Guid rootId, CancellationToken cancellationToken) =>
        FirstOutsideTreeAsync(scope.Connection, scope.Transaction, runIds, rootId, cancellationToken);

    private static async Task<Guid?> FirstOutsideTreeAsync(DbConnection connection, DbTransaction? transaction, IEnumerable<Guid> runIds, Guid rootId, CancellationToken cancellationToken)
    {
        foreach (var runId in runIds.Distinct())
        {
            if (!await IsInTreeAsync(connection, transaction, runId, rootId, cancellationToken))
            {
                return runId;
            }
        }

        return null;
    }

    /// <summary>
    /// Locks the runs <paramref name="ids"/> until the transaction ends, in the order of their ids, as every statement that
    /// locks several runs does (a batch of proposals, a claim's final states). A sweep that then moves its runs one by one
    /// (late, timed out, skipped) waits, if it must, before it holds any of them, so it cannot deadlock with those: it took
    /// its runs in the order it found them, and a deadlock cost a second (PostgreSQL's deadlock_timeout) and the
    /// transaction that lost it. SQLite's one writer needs none.
    /// </summary>
    public static Task LockInIdOrderAsync(WriteScope scope, IEnumerable<Guid> ids, CancellationToken cancellationToken) =>
        scope.LockInIdOrderAsync("flow_runs", ids, cancellationToken);

    /// <summary>
    /// Locks those of the runs <paramref name="ids"/> that no other transaction holds, and returns them (PostgreSQL; SQLite's
    /// one writer holds them all): for a sweep that can leave a run to whoever holds it, and look at it again next time. It
    /// never waits for a run, so it cannot deadlock, whatever the transaction already holds.
    /// </summary>
    public static async Task<HashSet<Guid>> LockFreeAsync(WriteScope scope, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        if (!scope.Dialect.LocksRows || ids.Count == 0)
        {
            return [.. ids];
        }

        return (await scope.Connection.QueryAsync<Guid>(new CommandDefinition(
            $"SELECT id FROM flow_runs WHERE {In(scope.Connection, "id", "runIds")} {scope.Dialect.SkipLockedOf("flow_runs")}",
            new { runIds = Ids(ids) }, scope.Transaction, cancellationToken: cancellationToken))).ToHashSet();
    }

    /// <summary>Those of <paramref name="ids"/> that are runs in the store.</summary>
    public static async Task<HashSet<Guid>> ExistingAsync(WriteScope scope, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken) =>
        (await scope.Connection.QueryAsync<Guid>(new CommandDefinition(
            $"SELECT id FROM flow_runs WHERE {In(scope.Connection, "id", "runIds")}", new { runIds = Ids(ids) }, scope.Transaction, cancellationToken: cancellationToken))).ToHashSet();

    /// <summary>Up to 500 runs still SCHEDULED under their plain name (not yet Late, not waiting for a retry or a slot) and due before <paramref name="dueBefore"/>.</summary>
    public static async Task<IReadOnlyList<(Guid Id, long Due)>> OverdueAsync(WriteScope scope, DateTimeOffset dueBefore, CancellationToken cancellationToken) =>
        (await scope.Connection.QueryAsync<(Guid Id, long Due)>(new CommandDefinition($"""
            SELECT id, next_scheduled_start_time FROM flow_runs
            WHERE state_type = {Scheduled} AND state_name = '{StateNames.Scheduled}' AND next_scheduled_start_time < @threshold
            LIMIT 500
            """, new { threshold = Ms(dueBefore) }, scope.Transaction, cancellationToken: cancellationToken))).ToList();

    /// <summary>
    /// Up to 500 runs holding a slot whose holders may have gone (docs/behaviour.md §6.4), oldest state first, locked
    /// (PostgreSQL; others' locked rows are passed over): runs whose heartbeat is older than <paramref name="heartbeatBefore"/>,
    /// and runs that never heartbeat whose claimant was last heard from before <paramref name="claimantBefore"/> (or that
    /// are CANCELLING with no infrastructure since then). Each comes with its claimant's last sign of life: a worker's
    /// heartbeat, or for a served run the last poll of the serving process that claimed it (not its deployment's, which another
    /// process serving it keeps fresh). Runs awaiting their own retry are among them when their
    /// process stopped heartbeating: that process was to run them again. The rules (<see cref="AbandonedRuns"/>) decide.
    /// </summary>
    public static async Task<IReadOnlyList<SlotHolderRow>> PossiblyAbandonedAsync(
        WriteScope scope, DateTimeOffset heartbeatBefore, DateTimeOffset claimantBefore, CancellationToken cancellationToken)
    {
        const string claimantSeen = """
            CASE WHEN r.work_pool_id IS NULL THEN (SELECT s.last_polled FROM serving_processes s WHERE s.name = r.worker_name)
                 ELSE (SELECT w.last_heartbeat FROM workers w WHERE w.work_pool_id = r.work_pool_id AND w.name = r.worker_name) END
            """;
        return (await scope.Connection.QueryAsync<SlotHolderRow>(new CommandDefinition($"""
            SELECT r.id, r.name, r.state_type, r.state_timestamp, r.state_scheduled_time, r.expected_start_time, r.infrastructure_id,
                r.last_heartbeat, r.worker_name, {claimantSeen} AS claimant_seen,
                (SELECT w.heartbeat_interval_seconds FROM workers w WHERE w.work_pool_id = r.work_pool_id AND w.name = r.worker_name) AS claimant_interval_seconds
            FROM flow_runs r
            WHERE (r.state_type IN {HoldingSlot} OR (r.state_type = {Scheduled} AND r.state_name = '{StateNames.AwaitingRetry}' AND r.last_heartbeat IS NOT NULL))
              AND (r.last_heartbeat < @heartbeatBefore
                OR (r.last_heartbeat IS NULL AND (COALESCE({claimantSeen}, 0) < @claimantBefore
                    OR (r.state_type = {Cancelling} AND r.infrastructure_id IS NULL AND r.state_timestamp < @claimantBefore))))
            ORDER BY r.state_timestamp
            LIMIT 500 {scope.Dialect.SkipLockedOf("r")}
            """, new { heartbeatBefore = Ms(heartbeatBefore), claimantBefore = Ms(claimantBefore) }, scope.Transaction, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>Up to 500 RUNNING runs whose current attempt has run longer than their timeout at <paramref name="now"/>, with that timeout.</summary>
    public static async Task<IReadOnlyList<(Guid Id, string Name, int TimeoutSeconds)>> TimedOutAsync(WriteScope scope, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await scope.Connection.QueryAsync<(Guid, string, int)>(new CommandDefinition($"""
            SELECT id, name, timeout_seconds FROM flow_runs
            WHERE state_type = {Running} AND timeout_seconds IS NOT NULL AND state_timestamp + 1000 * timeout_seconds < @now
            LIMIT 500
            """, new { now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken))).ToList();

    /// <summary>
    /// Up to 500 runs not RUNNING <c>start_timeout_seconds</c> after the scheduled time of their current attempt at
    /// <paramref name="now"/> (SCHEDULED or PENDING; a run awaiting its own process's retry is that process's to start), on
    /// which the start timeout has not acted for this attempt yet.
    /// </summary>
    public static async Task<IReadOnlyList<FlowRunRow>> StartTimedOutAsync(DbConnection connection, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<FlowRunRow>(new CommandDefinition(SelectRun + $"""
             WHERE r.state_type IN ({Scheduled}, {Pending}) AND r.state_name <> '{StateNames.AwaitingRetry}' AND r.start_timeout_seconds IS NOT NULL
              AND COALESCE(r.state_scheduled_time, r.expected_start_time) + 1000 * r.start_timeout_seconds < @now
              AND (r.start_timeout_fired_for IS NULL OR r.start_timeout_fired_for <> COALESCE(r.state_scheduled_time, r.expected_start_time))
            LIMIT 500
            """, new { now = Ms(now) }, cancellationToken: cancellationToken))).ToList();

    /// <summary>Records that the start timeout acted on the attempt due at <paramref name="scheduled"/>.</summary>
    public static Task<int> MarkStartTimeoutFiredAsync(WriteScope scope, Guid runId, DateTimeOffset scheduled, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE flow_runs SET start_timeout_fired_for = @scheduled WHERE id = @runId", new { runId, scheduled = Ms(scheduled) }, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>How many runs of a pool, queue or deployment hold one of its slots, and the names of the first ten (oldest state first).</summary>
    public static async Task<(int Count, IReadOnlyList<string> Names)> SlotHoldersAsync(DbConnection connection, DbTransaction? transaction, SlotScope scope, Guid id, CancellationToken cancellationToken)
    {
        var column = scope switch
        {
            SlotScope.Deployment => "deployment_id",
            SlotScope.WorkPool => "work_pool_id",
            _ => "work_queue_id",
        };
        var count = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            $"SELECT COUNT(*) FROM flow_runs WHERE {column} = @id AND state_type IN {HoldingSlot}", new { id }, transaction, cancellationToken: cancellationToken));
        var names = count == 0 ? [] : (await connection.QueryAsync<string>(new CommandDefinition(
            $"SELECT name FROM flow_runs WHERE {column} = @id AND state_type IN {HoldingSlot} ORDER BY state_timestamp LIMIT 10",
            new { id }, transaction, cancellationToken: cancellationToken))).ToList();
        return (count, names);
    }

    public static async Task<FlowRunRow?> FindByIdempotencyKeyAsync(WriteScope scope, Guid flowId, string key, CancellationToken cancellationToken) =>
        await scope.Connection.QuerySingleOrDefaultAsync<FlowRunRow>(new CommandDefinition(
            SelectRun + " WHERE r.flow_id = @flowId AND r.idempotency_key = @key", new { flowId, key }, scope.Transaction,
            cancellationToken: cancellationToken));

    /// <summary>Those of <paramref name="keys"/> that runs of the flow <paramref name="flowId"/> already carry as their idempotency key.</summary>
    public static async Task<HashSet<string>> IdempotencyKeysUsedAsync(WriteScope scope, Guid flowId, IReadOnlyCollection<string> keys, CancellationToken cancellationToken) =>
        keys.Count == 0 ? [] : (await scope.Connection.QueryAsync<string>(new CommandDefinition(
            $"SELECT idempotency_key FROM flow_runs WHERE flow_id = @flowId AND {In(scope.Connection, "idempotency_key", "keys")}",
            new { flowId, keys = keys.ToArray() }, scope.Transaction, cancellationToken: cancellationToken))).ToHashSet();

    /// <summary>
    /// Inserts the run, with the scope's deferred statement (its audit entry) in the same command; with an idempotency key
    /// already taken (a concurrent insert), or its id (a keyed create sent again), inserts nothing of the run and returns false.
    /// </summary>
    public static async Task<bool> InsertAsync(WriteScope scope, FlowRunRow row, CancellationToken cancellationToken)
    {
        // The deferred statement inserts rows of its own (an audit entry has no conflict to skip), which are not counted.
        return await scope.ExecuteWithDeferredAsync(InsertRunSql, row, cancellationToken) > 0;
    }

    /// <summary>
    /// Inserts the runs as <see cref="InsertAsync"/> inserts each, whether each took, in their order. On PostgreSQL in one
    /// statement (a round trip for the batch, not one per run); on SQLite, whose statements cost no round trip, one by one.
    /// </summary>
    public static async Task<bool[]> InsertManyAsync(WriteScope scope, IReadOnlyList<FlowRunRow> rows, CancellationToken cancellationToken)
    {
        var took = new bool[rows.Count];
        if (scope.Dialect is not PostgresDialect || rows.Count <= 1)
        {
            for (var i = 0; i < rows.Count; i++)
            {
                took[i] = await InsertAsync(scope, rows[i], cancellationToken);
            }

            return took;
        }

        static string?[] Ids(IEnumerable<Guid?> ids) => ids.Select(id => id?.ToString("D")).ToArray();
        var sql = InsertRunsSql;
        var parameters = new DynamicParameters(new
        {
            ids = Ids(rows.Select(row => (Guid?)row.Id)),
            names = rows.Select(row => row.Name).ToArray(),
            flowIds = Ids(rows.Select(row => (Guid?)row.FlowId)),
            deploymentIds = Ids(rows.Select(row => row.DeploymentId)),
            workPoolIds = Ids(rows.Select(row => row.WorkPoolId)),
            workQueueIds = Ids(rows.Select(row => row.WorkQueueId)),
            parameters = rows.Select(row => row.Parameters).ToArray(),
            jobVariables = rows.Select(row => row.JobVariables).ToArray(),
            tags = rows.Select(row => row.Tags).ToArray(),
            stateIds = Ids(rows.Select(row => (Guid?)row.StateId)),
            stateTypes = rows.Select(row => row.StateType).ToArray(),
            stateNames = rows.Select(row => row.StateName).ToArray(),
            stateMessages = rows.Select(row => row.StateMessage).ToArray(),
            stateTimestamps = rows.Select(row => row.StateTimestamp).ToArray(),
            stateScheduledTimes = rows.Select(row => row.StateScheduledTime).ToArray(),
            expectedStartTimes = rows.Select(row => row.ExpectedStartTime).ToArray(),
            nextScheduledStartTimes = rows.Select(row => row.NextScheduledStartTime).ToArray(),
            idempotencyKeys = rows.Select(row => row.IdempotencyKey).ToArray(),
            retries = rows.Select(row => row.Retries).ToArray(),
            retryDelaySeconds = rows.Select(row => row.RetryDelaySeconds).ToArray(),
            scheduleIds = Ids(rows.Select(row => row.ScheduleId)),
            timeoutSeconds = rows.Select(row => row.TimeoutSeconds).ToArray(),
            created = rows.Select(row => row.Created).ToArray(),
            updated = rows.Select(row => row.Updated).ToArray(),
            lastHeartbeats = rows.Select(row => row.LastHeartbeat).ToArray(),
            parentFlowRunIds = Ids(rows.Select(row => row.ParentFlowRunId)),
            parentTaskRunIds = Ids(rows.Select(row => row.ParentTaskRunId)),
            startTimeoutSeconds = rows.Select(row => row.StartTimeoutSeconds).ToArray(),
            startTimeoutActions = rows.Select(row => row.StartTimeoutAction).ToArray(),
            traceparents = rows.Select(row => row.Traceparent).ToArray(),
        });
        if (scope.TakeDeferred() is var (deferredSql, deferredParameters, _))
        {
            // After the insert's own result, which is all that is read back.
            sql += ";\n" + deferredSql;
            parameters.AddDynamicParams(deferredParameters);
        }

        using var results = await scope.Connection.QueryMultipleAsync(new CommandDefinition(sql, parameters, scope.Transaction, cancellationToken: cancellationToken));
        var inserted = (await results.ReadAsync<Guid>()).ToHashSet();
        for (var i = 0; i < rows.Count; i++)
        {
            took[i] = inserted.Contains(rows[i].Id);
        }

        return took;
    }

    /// <summary>
    /// <see cref="InsertRunSql"/> for many runs in one PostgreSQL statement: the runs from arrays, each new run's history
    /// row and outbox entry from what the insert returned; the ids of the runs inserted.
    /// </summary>
    private const string InsertRunsSql = """
            WITH inserted AS (
                INSERT INTO flow_runs (id, name, flow_id, deployment_id, work_pool_id, work_queue_id, parameters, job_variables, tags,
                    state_id, state_type, state_name, state_message, state_timestamp, state_scheduled_time, expected_start_time,
                    next_scheduled_start_time, idempotency_key, retries, retry_delay_seconds, schedule_id, timeout_seconds, created, updated,
                    last_heartbeat, parent_flow_run_id, parent_task_run_id, start_timeout_seconds, start_timeout_action, traceparent)
                SELECT * FROM unnest(@ids, @names, @flowIds, @deploymentIds, @workPoolIds, @workQueueIds, @parameters, @jobVariables, @tags,
                    @stateIds, @stateTypes, @stateNames, @stateMessages, @stateTimestamps, @stateScheduledTimes, @expectedStartTimes,
                    @nextScheduledStartTimes, @idempotencyKeys, @retries, @retryDelaySeconds, @scheduleIds, @timeoutSeconds, @created, @updated,
                    @lastHeartbeats, @parentFlowRunIds, @parentTaskRunIds, @startTimeoutSeconds, @startTimeoutActions, @traceparents)
                ON CONFLICT DO NOTHING
                RETURNING id, state_id, state_type, state_name, state_message, state_timestamp, state_scheduled_time, created
            ), states AS (
                INSERT INTO flow_run_states (id, flow_run_id, type, name, message, timestamp, scheduled_time)
                SELECT state_id, id, state_type, state_name, state_message, state_timestamp, state_scheduled_time FROM inserted
            ), outbox AS (
                INSERT INTO automation_outbox (state_id, flow_run_id, created)
                SELECT id, id, created FROM inserted
                WHERE EXISTS (SELECT 1 FROM automations WHERE enabled AND trigger_kind = 'run_created')
            )
            SELECT id FROM inserted
            """;

    private const string InsertRunSql = """
            INSERT INTO flow_runs (id, name, flow_id, deployment_id, work_pool_id, work_queue_id, parameters, job_variables, tags,
                state_id, state_type, state_name, state_message, state_timestamp, state_scheduled_time, expected_start_time,
                next_scheduled_start_time, idempotency_key, retries, retry_delay_seconds, schedule_id, timeout_seconds, created, updated,
                last_heartbeat, parent_flow_run_id, parent_task_run_id, start_timeout_seconds, start_timeout_action, traceparent)
            VALUES (@Id, @Name, @FlowId, @DeploymentId, @WorkPoolId, @WorkQueueId, @Parameters, @JobVariables, @Tags,
                @StateId, @StateType, @StateName, @StateMessage, @StateTimestamp, @StateScheduledTime, @ExpectedStartTime,
                @NextScheduledStartTime, @IdempotencyKey, @Retries, @RetryDelaySeconds, @ScheduleId, @TimeoutSeconds, @Created, @Updated,
                @LastHeartbeat, @ParentFlowRunId, @ParentTaskRunId, @StartTimeoutSeconds, @StartTimeoutAction, @Traceparent)
            ON CONFLICT DO NOTHING;
            INSERT INTO flow_run_states (id, flow_run_id, type, name, message, timestamp, scheduled_time)
            SELECT @StateId, @Id, @StateType, @StateName, @StateMessage, @StateTimestamp, @StateScheduledTime
            WHERE EXISTS (SELECT 1 FROM flow_runs WHERE id = @Id AND state_id = @StateId);
            """ + AutomationStore.CreatedOutboxInsertSql;

    /// <summary>A new SCHEDULED run of <paramref name="deployment"/> due at <paramref name="scheduled"/> (not yet inserted).</summary>
    public static FlowRunRow NewScheduledRun(
        DeploymentRow deployment, JsonObject parameters, JsonObject? jobVariables, IEnumerable<string> tags, DateTimeOffset scheduled, DateTimeOffset now,
        string? name = null, string? idempotencyKey = null, int? retries = null, int? retryDelaySeconds = null, Guid? queueId = null, Guid? scheduleId = null,
        int? timeoutSeconds = null, int? startTimeoutSeconds = null, StartTimeoutAction? startTimeoutAction = null)
    {
        var stateId = Guid.NewGuid();
        return new FlowRunRow
        {
            Id = Guid.NewGuid(),
            Name = string.IsNullOrWhiteSpace(name) ? RunNames.Next() : name,
            FlowId = deployment.FlowId,
            DeploymentId = deployment.Id,
            WorkPoolId = deployment.WorkPoolId,
            WorkQueueId = queueId ?? deployment.WorkQueueId,
            Parameters = JsonText(parameters),
            JobVariables = JsonText(jobVariables),
            Tags = StoredValues.Tags(TagList(deployment.Tags).Concat(tags).Distinct(StringComparer.Ordinal).ToList()),
            StateId = stateId,
            StateType = StateType.Scheduled.ToWireName(),
            StateName = StateNames.Scheduled,
            StateTimestamp = Ms(now),
            StateScheduledTime = Ms(scheduled),
            ExpectedStartTime = Ms(scheduled),
            NextScheduledStartTime = Ms(scheduled),
            IdempotencyKey = idempotencyKey,
            Retries = retries ?? deployment.Retries,
            RetryDelaySeconds = retryDelaySeconds ?? deployment.RetryDelaySeconds,
            ScheduleId = scheduleId,
            TimeoutSeconds = timeoutSeconds ?? deployment.TimeoutSeconds,
            StartTimeoutSeconds = startTimeoutSeconds ?? deployment.StartTimeoutSeconds,
            StartTimeoutAction = startTimeoutAction is { } action ? EnumNames.Of(action) : deployment.StartTimeoutAction,
            Traceparent = RunTrace.NewTraceparent(),
            Created = Ms(now),
            Updated = Ms(now),
        };
    }

    /// <summary>
    /// A subflow's run (not yet inserted): PENDING at once, since its process — the parent's — is already running, and
    /// with a first heartbeat, so that the abandoned-run rules judge it by its own heartbeats (it has no claimant).
    /// </summary>
    public static FlowRunRow NewSubflowRun(Guid flowId, Guid parentId, Guid? parentTaskRunId, JsonObject parameters, string? name, DateTimeOffset now) => new()
    {
        Id = Guid.NewGuid(),
        Name = string.IsNullOrWhiteSpace(name) ? RunNames.Next() : name,
        FlowId = flowId,
        Parameters = JsonText(parameters),
        JobVariables = JsonText(null),
        Tags = StoredValues.Tags([]),
        StateId = Guid.NewGuid(),
        StateType = StateType.Pending.ToWireName(),
        StateName = StateNames.Pending,
        StateMessage = "subflow: runs in its parent's process",
        StateTimestamp = Ms(now),
        ExpectedStartTime = Ms(now),
        LastHeartbeat = Ms(now),
        ParentFlowRunId = parentId,
        ParentTaskRunId = parentTaskRunId,
        Created = Ms(now),
        Updated = Ms(now),
    };

    /// <summary>The runs started by <paramref name="parentId"/> that have not ended, with their deployment (none: a subflow, run in the parent's process).</summary>
    public static async Task<IReadOnlyList<(Guid Id, Guid? DeploymentId)>> UnfinishedChildrenAsync(DbConnection connection, Guid parentId, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<(Guid, Guid?)>(new CommandDefinition(
            $"SELECT id, deployment_id FROM flow_runs WHERE parent_flow_run_id = @parentId AND state_type NOT IN {Terminal}",
            new { parentId }, cancellationToken: cancellationToken))).ToList();

    private const string NoFilter = " WHERE 1 = 1";

    /// <summary>An offset from which a page of the whole list on SQLite may be read from the list's far end (see <see cref="ListAsync"/>).</summary>
    internal const int ReadFromTheEndBeyond = 10_000;

    /// <summary>
    /// A page of runs, newest expected start first. With a cursor (<see cref="RunCursor"/>), the page after that position
    /// and no count; without one, the page at the offset and the count of those that match up to <paramref name="countLimit"/>
    /// (unless told not to count).
    /// With <paramref name="pools"/>, only runs delivered from those pools.
    /// </summary>
    public static async Task<Page<FlowRunSummary>> ListAsync(DbConnection connection, FlowRunFilter filter, IReadOnlyList<string>? pools, int countLimit,
        CancellationToken cancellationToken)
    {
        var position = filter.Cursor is { } cursor ? RunCursor.Parse(cursor) : null;
        var where = new StringBuilder(" WHERE 1 = 1");
        var parameters = new DynamicParameters();
        if (filter.States is { Count: > 0 } states)
        {
            // As literals, not a parameter: PostgreSQL plans an auto-prepared statement once for any value after its fifth
            // execution, and `= ANY(@states)` left that generic plan blind to how many runs the states hold. It then
            // counted a pool's FAILED runs by reading the whole table (35 ms at 101,000 runs), and walked every run in
            // the list's order to find a rare state. Literals keep the column's statistics in the plan.
            where.Append($" AND r.state_type IN {StateSql.Set(states)}");
        }

        if (filter.DeploymentId is { } deploymentId)
        {
            where.Append(" AND r.deployment_id = @deploymentId");
            parameters.Add("deploymentId", deploymentId);
        }

        if (filter.ParentFlowRunId is { } parentId)
        {
            where.Append(" AND r.parent_flow_run_id = @parentId");
            parameters.Add("parentId", parentId);
        }

        if (!string.IsNullOrEmpty(filter.FlowName))
        {
            where.Append(" AND r.flow_id = (SELECT id FROM flows WHERE name = @flowName)");
            parameters.Add("flowName", filter.FlowName);
        }

        if (!string.IsNullOrEmpty(filter.WorkPoolName))
        {
            // A value (names are unique), not a set: PostgreSQL then walks the pool's index (pool, state, start) in the
            // list's order, where a set of pools hash-joined every run of the state and sorted them (~300 ms at 1M runs).
            where.Append(" AND r.work_pool_id = (SELECT id FROM work_pools WHERE name = @poolName)");
            parameters.Add("poolName", filter.WorkPoolName);
        }

        if (pools is not null)
        {
            where.Append($" AND r.work_pool_id IN (SELECT id FROM work_pools WHERE {In(connection, "name", "servedPools")})");
            parameters.Add("servedPools", pools.ToArray());
        }

        if (!string.IsNullOrEmpty(filter.WorkerName))
        {
            where.Append(" AND r.worker_name = @workerName");
            parameters.Add("workerName", filter.WorkerName);
        }

        if (!string.IsNullOrEmpty(filter.WorkQueueName))
        {
            where.Append(" AND r.work_queue_id IN (SELECT id FROM work_queues WHERE name = @queueName)");
            parameters.Add("queueName", filter.WorkQueueName);
        }

        if (filter.ExpectedStartAfter is { } after)
        {
            where.Append(" AND r.expected_start_time >= @after");
            parameters.Add("after", Ms(after));
        }

        if (filter.ExpectedStartBefore is { } before)
        {
            where.Append(" AND r.expected_start_time < @before");
            parameters.Add("before", Ms(before));
        }

        if (!string.IsNullOrEmpty(filter.Search))
        {
            where.Append(" AND r.name LIKE @search ESCAPE '\\'");
            parameters.Add("search", "%" + filter.Search.Replace("\\", "\\\\", StringComparison.Ordinal)
                .Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%");
        }

        // Counted on a first page only (a page after a cursor costs what the first one does: keyset, not OFFSET), and
        // only up to the count limit: the count stops at the limit's next row, so a first page costs the same at 1M runs.
        var total = -1;
        if (position is null && filter.IncludeTotal)
        {
            // The limit as a literal too (a setting, one value per server): a generic plan guesses a parameter's LIMIT.
            total = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                "SELECT COUNT(*) FROM (SELECT 1 FROM flow_runs r" + where + $" LIMIT {(long)countLimit + 1}) counted", parameters,
                cancellationToken: cancellationToken));
        }

        var lowerBound = total > countLimit;
        var unfiltered = where.Length == NoFilter.Length;
        if (position is not null)
        {
            where.Append(" AND (r.expected_start_time < @cursorTime OR (r.expected_start_time = @cursorTime AND r.id > @cursorId))");
            parameters.Add("cursorTime", position.ExpectedStart);
            parameters.Add("cursorId", position.Id);
        }

        // One row more than asked says whether a next page exists.
        parameters.Add("limit", filter.Limit + 1);
        parameters.Add("offset", filter.Offset);
        const string order = " ORDER BY r.expected_start_time DESC, r.id";
        // A page at an offset picks its ids first, then reads those rows: the skipped runs are walked in the list-order
        // index alone, where PostgreSQL projected each of them (the names of its flow, deployment, pool and queue) only
        // to drop it (2.4 s at offset 1M).
        var sql = filter.Offset == 0
            ? FlowRunSummaryStore.SelectSummary + where + order + " LIMIT @limit"
            : FlowRunSummaryStore.SelectSummary + " WHERE r.id IN (SELECT r.id FROM flow_runs r" + where + order + " LIMIT @limit OFFSET @offset)" + order;
        using var snapshot = position is null && unfiltered && filter.Offset >= ReadFromTheEndBeyond && connection is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: true)
            : null;
        if (snapshot is not null)
        {
            // A deep page of the whole list, on SQLite: OFFSET walks every run it skips (23 ms at offset 1M), where SQLite
            // counts a table from the pages of one of its indexes, at about two thirds of that. So a page in the list's
            // far half is read from its far end: the runs after it are skipped instead. The largest rowid bounds the
            // count from above for the price of one index descent (deleted runs lower the count, not it), so a page in
            // the first half of that bound is read forwards without counting. Count and page read one snapshot.
            var bound = await connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT MAX(rowid) FROM flow_runs", transaction: snapshot,
                cancellationToken: cancellationToken)) ?? 0;
            var count = filter.Offset > bound / 2
                ? await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM flow_runs", transaction: snapshot, cancellationToken: cancellationToken))
                : (long?)null;
            if (count is { } runs && filter.Offset > runs / 2)
            {
                // The page's rows (and the one after it, which says whether a next page exists) counted from the end.
                var fromEnd = Math.Max(0, runs - filter.Offset - filter.Limit - 1);
                parameters.Add("limit", Math.Max(0, runs - filter.Offset - fromEnd));
                parameters.Add("offset", fromEnd);
                sql = FlowRunSummaryStore.SelectSummary + " WHERE r.id IN (SELECT r.id FROM flow_runs r ORDER BY r.expected_start_time, r.id DESC LIMIT @limit OFFSET @offset)" + order;
            }
        }

        var rows = (await connection.QueryAsync<FlowRunRow>(new CommandDefinition(sql, parameters, snapshot, cancellationToken: cancellationToken))).ToList();
        var page = rows.Take(filter.Limit).ToList();
        return new Page<FlowRunSummary>(page.Select(row => row.ToSummary()).ToList(), lowerBound ? countLimit : total, filter.Offset, filter.Limit)
        {
            NextCursor = rows.Count > filter.Limit ? RunCursor.Of(page[^1].ExpectedStartTime, page[^1].Id) : null,
            TotalIsLowerBound = lowerBound,
        };
    }

    public static async Task<IReadOnlyList<FlowRunState>> HistoryAsync(DbConnection connection, Guid runId, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<StateRow>(new CommandDefinition(
            "SELECT id, type, name, message, timestamp, scheduled_time FROM flow_run_states WHERE flow_run_id = @runId ORDER BY seq",
            new { runId }, cancellationToken: cancellationToken));
        return rows.Select(row => row.ToContract()).ToList();
    }

    /// <summary>
    /// The guarded UPDATE of a run's state: it takes only if the run is still as it was read (its state, and its
    /// infrastructure id, which a worker records without changing the state and which the rules and the write use).
    /// </summary>
    private const string UpdateRunStateSql = """
        UPDATE flow_runs SET state_id = @StateId, state_type = @Type, state_name = @Name, state_message = @Message,
            state_timestamp = @Timestamp, state_scheduled_time = @Scheduled, next_scheduled_start_time = @NextScheduled,
            start_time = @StartTime, end_time = @EndTime, total_run_time_ms = @TotalRunTimeMs, run_count = @RunCount,
            worker_name = @WorkerName, infrastructure_id = @InfrastructureId, infrastructure_waiting_reason = NULL, updated = @Timestamp,
            crash_retry_count = @CrashRetryCount, last_heartbeat = CASE WHEN @KeepsHeartbeat THEN last_heartbeat ELSE NULL END
        WHERE id = @Id AND state_id = @ExpectedStateId AND COALESCE(infrastructure_id, '') = COALESCE(@ExpectedInfrastructureId, '')
        """;

    /// <summary>
    /// SQLite's form of a transition's write: the guarded UPDATE and, only when it took (the run then has the new state's
    /// id), the history row and the automation outbox row; one atomic unit. Rows affected: 2 (3 with an outbox row), or 0
    /// when another writer moved the run since it was read.
    /// </summary>
    private const string WriteTransitionSqliteSql = UpdateRunStateSql + """
        ;
        INSERT INTO flow_run_states (id, flow_run_id, type, name, message, timestamp, scheduled_time)
        SELECT @StateId, @Id, @Type, @Name, @Message, @Timestamp, @Scheduled
        WHERE EXISTS (SELECT 1 FROM flow_runs WHERE id = @Id AND state_id = @StateId);
        """ + AutomationStore.OutboxInsertSql;

    /// <summary>
    /// PostgreSQL's form: the same write as one statement, the history and outbox rows inserted from what the UPDATE
    /// returned (no look-up of the run to learn whether it took, and one statement for PostgreSQL to bind and run instead of
    /// three). Rows affected: 1 (the history row), or 0 when another writer moved the run since it was read.
    /// </summary>
    private const string WriteTransitionPostgresSql = "WITH moved AS (\n" + UpdateRunStateSql + "\nRETURNING 1),\noutbox AS (\n"
        + AutomationStore.OutboxInsertForMovedSql + """
        )
        INSERT INTO flow_run_states (id, flow_run_id, type, name, message, timestamp, scheduled_time)
        SELECT @StateId, @Id, @Type, @Name, @Message, @Timestamp, @Scheduled FROM moved
        """;

    /// <summary>
    /// A decided transition's write (<see cref="DecideAsync"/>) in <paramref name="dialect"/>'s form: the guarded UPDATE,
    /// and the history row (and automation outbox row) only when it took, as one atomic unit; more than 0 rows affected
    /// when it took, 0 when another writer moved the run since it was read.
    /// </summary>
    public static string WriteTransitionSql(SqlDialect dialect) => dialect is PostgresDialect ? WriteTransitionPostgresSql : WriteTransitionSqliteSql;

    /// <summary>
    /// Appends several decided writes (<see cref="DecideAsync"/>) to one command, in order: each is
    /// <see cref="WriteTransitionSql"/>, guarded as when it is sent alone, with its parameters suffixed by its position, and
    /// gives one result that says whether it took, which <see cref="ReadTookAsync"/> reads back. On PostgreSQL, where each
    /// command is a round trip, the writes of a batch of final states or of a claim's runs then cost one round trip, not
    /// one each.
    /// </summary>
    internal static void AppendWrites(SqlDialect dialect, StringBuilder sql, DynamicParameters parameters, IReadOnlyList<TransitionWrite> writes)
    {
        var postgres = dialect is PostgresDialect;
        for (var i = 0; i < writes.Count; i++)
        {
            sql.Append(IndexedWriteSql(i, postgres)).Append(";\n");
            writes[i].AddTo(parameters, Suffix(i));
        }
    }

    private static string Suffix(int index) => "_" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// A write of <see cref="AppendWrites"/> with every parameter suffixed by <c>_<paramref name="index"/></c>, made once per
    /// index: on PostgreSQL its single statement returning a row when it took, on SQLite its statements followed by
    /// <see cref="TookSql"/>.
    /// </summary>
    private static string IndexedWriteSql(int index, bool postgres)
    {
        var made = postgres ? IndexedPostgresWriteSqls : IndexedSqliteWriteSqls;
        if (index < made.Length && made[index] is { } sql)
        {
            return sql;
        }

        var write = postgres ? WriteTransitionPostgresSql + "\nRETURNING 1" : WriteTransitionSqliteSql + TookSql;
        sql = ParameterReference().Replace(write, match => "@" + match.Groups[1].Value + Suffix(index));
        if (index < made.Length)
        {
            made[index] = sql;
        }

        return sql;
    }

    private static readonly string?[] IndexedPostgresWriteSqls = new string?[64];

    private static readonly string?[] IndexedSqliteWriteSqls = new string?[64];

    /// <summary>
    /// Sends decided writes in one round trip, in order (<see cref="AppendWrites"/>; a single one as <see cref="WriteTransitionSql"/>
    /// alone); whether each took.
    /// </summary>
    internal static async Task<bool[]> WriteAllAsync(WriteScope scope, IReadOnlyList<TransitionWrite> writes, CancellationToken cancellationToken)
    {
        switch (writes.Count)
        {
            case 0:
                return [];
            case 1:
                return [await scope.ExecuteWithDeferredAsync(WriteTransitionSql(scope.Dialect), writes[0], cancellationToken) > 0];
        }

        var sql = new StringBuilder();
        var parameters = new DynamicParameters();
        AppendWrites(scope.Dialect, sql, parameters, writes);
        if (scope.TakeDeferred() is var (deferredSql, deferredParameters, _))
        {
            // After the writes' own results, which are all that is read back.
            sql.Append(deferredSql);
            parameters.AddDynamicParams(deferredParameters);
        }

        using var results = await scope.Connection.QueryMultipleAsync(new CommandDefinition(sql.ToString(), parameters, scope.Transaction, cancellationToken: cancellationToken));
        return await ReadTookAsync(results, writes.Count);
    }

    /// <summary>Whether each of <paramref name="count"/> writes appended by <see cref="AppendWrites"/> took, from their results.</summary>
    internal static async Task<bool[]> ReadTookAsync(SqlMapper.GridReader results, int count)
    {
        var took = new bool[count];
        for (var i = 0; i < count; i++)
        {
            // PostgreSQL's write returns a row when it took, SQLite's count says whether it did.
            took[i] = (await results.ReadAsync<int>()).FirstOrDefault() > 0;
        }

        return took;
    }

    /// <summary>Follows SQLite's <see cref="WriteTransitionSql"/> in a batch: 1 when the run has the new state (the write took), else 0.</summary>
    private const string TookSql = ";\nSELECT COUNT(*) FROM flow_runs WHERE id = @Id AND state_id = @StateId";

    [System.Text.RegularExpressions.GeneratedRegex(@"@(\w+)")]
    private static partial System.Text.RegularExpressions.Regex ParameterReference();

    /// <summary>How often <see cref="SetStateAsync"/> reads, decides and writes again after losing a race, before it locks.</summary>
    private const int OptimisticAttempts = 3;

    /// <summary>
    /// The one guarded state change (CONVENTIONS) for a proposal from outside: reads the run, asks
    /// <see cref="StateRules"/>, and writes the verdict conditioned on the state read, in two round trips and without
    /// holding a lock in between. A writer that moved the run meanwhile makes it read and decide again; a move to
    /// PENDING under a deployment limit, or a run that keeps moving, goes through the locking <see cref="TryTransitionAsync"/>.
    /// Null when the run does not exist.
    /// </summary>
    public static async Task<TransitionOutcome?> SetStateAsync(BosunDatabase database, Guid runId, StateProposal proposal, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= OptimisticAttempts; attempt++)
        {
            var row = await database.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<FlowRunRow>(new CommandDefinition(
                $"{SelectRunStateFor(proposal)} WHERE r.id = @runId", new { runId, transitionId = proposal.TransitionId }, cancellationToken: cancellationToken)), cancellationToken);
            if (row is null)
            {
                return null;
            }

            if (CountsDeploymentSlots(row, proposal))
            {
                break;
            }

            if (AlreadyApplied(row, proposal) is { } applied)
            {
                return applied;
            }

            var plan = Plan(row, proposal, RunSnapshotOf(row), now, claimingWorker: null, expectedType: null);
            if (plan.Write is not { } write)
            {
                return plan.Outcome;
            }

            if (await database.ExecuteAtomicAsync(WriteTransitionSql(database.Dialect), write, cancellationToken) > 0)
            {
                return Applied(row, write, plan.Outcome);
            }
        }

        return await database.WriteAsync(scope => TryTransitionAsync(scope, runId, proposal, now, cancellationToken: cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Many runs' proposals decided in the caller's write transaction, each as <see cref="TryTransitionAsync"/> decides it,
    /// answered in the order given (null: that run does not exist). Each run's row is locked as it is decided: in the order
    /// of the runs' ids, so that two batches never wait on each other.
    /// </summary>
    public static async Task<TransitionOutcome?[]> TryTransitionAllAsync(
        WriteScope scope, IReadOnlyList<FlowRunStateProposal> proposals, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var outcomes = new TransitionOutcome?[proposals.Count];
        var locked = await ReadAndLockAllAsync(scope, proposals, cancellationToken);
        // Read together (PostgreSQL), the runs are also written together: each decided in turn, and the writes decided so
        // far sent in one round trip when a decision needs them counted (a deployment's slots) and at the end.
        var decided = new List<(int Index, FlowRunRow Row, TransitionWrite Write, TransitionOutcome Outcome)>();
        foreach (var i in Enumerable.Range(0, proposals.Count).OrderBy(i => proposals[i].FlowRunId))
        {
            var (runId, proposal) = (proposals[i].FlowRunId, proposals[i].Proposal);
            if (locked is null)
            {
                outcomes[i] = await TryTransitionAsync(scope, runId, proposal, now, cancellationToken: cancellationToken);
                continue;
            }

            if (!locked.TryGetValue(runId, out var row))
            {
                continue;
            }

            if (CountsDeploymentSlots(row, proposal))
            {
                await WriteDecidedAsync(scope, decided, outcomes, cancellationToken);
            }

            var (outcome, write) = await DecideAsync(scope, row, proposal, now, cancellationToken: cancellationToken);
            outcomes[i] = outcome;
            if (write is not null)
            {
                decided.Add((i, row, write, outcome));
            }
        }

        await WriteDecidedAsync(scope, decided, outcomes, cancellationToken);
        return outcomes;
    }

    /// <summary>Sends the <paramref name="decided"/> writes in one round trip and answers each as <see cref="TransitionAsync"/> would; empties the list.</summary>
    private static async Task WriteDecidedAsync(WriteScope scope, List<(int Index, FlowRunRow Row, TransitionWrite Write, TransitionOutcome Outcome)> decided,
        TransitionOutcome?[] outcomes, CancellationToken cancellationToken)
    {
        var took = await WriteAllAsync(scope, decided.Select(d => d.Write).ToList(), cancellationToken);
        for (var j = 0; j < decided.Count; j++)
        {
            var (index, row, write, outcome) = decided[j];
            outcomes[index] = took[j] ? Applied(row, write, outcome) : await ChangedConcurrentlyAsync(scope, row, cancellationToken);
        }

        decided.Clear();
    }

    /// <summary>
    /// On PostgreSQL, where each statement is a round trip, the runs of several proposals (one each) read and locked in one
    /// statement, in the order of their ids, each row as <see cref="SelectRunStateFor"/> reads it for its proposal; null
    /// where they are read one by one (SQLite, whose statements cost no round trip; a single proposal; a run proposed twice,
    /// whose second proposal must see the first's write).
    /// Each run is looked up by its key, one after the other in id order, and locked as it is found (the lock applies inside
    /// the lateral lookup, which OFFSET 0 keeps from being merged into a join). Joined to the ids as a table, the plan
    /// depended on what PostgreSQL believed the table's size to be: a plan kept from when it was small (a fresh database
    /// growing faster than autovacuum's ANALYZE follows) hashed the ids and read every run: 1.5 ms a claim in W1, growing
    /// with the table. A lookup by key stays one for a plan made when the table held a few hundred runs (ClaimPlanTests);
    /// below about 60 (a few pages) a kept plan may still scan the table, once per run, until the next ANALYZE.
    /// </summary>
    private static async Task<Dictionary<Guid, FlowRunRow>?> ReadAndLockAllAsync(WriteScope scope, IReadOnlyList<FlowRunStateProposal> proposals, CancellationToken cancellationToken)
    {
        if (scope.Dialect is not PostgresDialect || proposals.Count < 2 || proposals.DistinctBy(p => p.FlowRunId).Count() < proposals.Count)
        {
            return null;
        }

        var rows = (await scope.Connection.QueryAsync<FlowRunRow>(new CommandDefinition(
            RunStateColumns
            + ", (SELECT COUNT(*) FROM flow_run_states s WHERE s.id = t.transition_id AND s.flow_run_id = r.id) AS transition_seen, "
            + ResumeCountColumn + " AS resume_count"
            + " FROM (SELECT u.run_id, u.transition_id FROM unnest(@runIds, @transitionIds) AS u(run_id, transition_id) ORDER BY u.run_id) t"
            + " CROSS JOIN LATERAL (SELECT * FROM flow_runs WHERE id = t.run_id OFFSET 0) r LEFT JOIN deployments d ON d.id = r.deployment_id"
            + " ORDER BY r.id " + scope.Dialect.RowLockOf("r"),
            new
            {
                runIds = Ids(proposals.Select(p => p.FlowRunId)),
                transitionIds = proposals.Select(p => p.Proposal.TransitionId?.ToString("D")).ToArray(),
            },
            scope.Transaction, cancellationToken: cancellationToken))).ToDictionary(row => row.Id);
        foreach (var proposal in proposals)
        {
            if (proposal.Proposal.Type != StateType.Failed && rows.TryGetValue(proposal.FlowRunId, out var row))
            {
                // Only a FAILED proposal's decision reads it, as SelectRunStateFor selects it.
                row.ResumeCount = null;
            }
        }

        return rows;
    }

    /// <summary>
    /// The one guarded state change inside the caller's write transaction: reads and locks the run, then
    /// <see cref="TransitionAsync"/>. Null when the run does not exist.
    /// </summary>
    public static async Task<TransitionOutcome?> TryTransitionAsync(
        WriteScope scope, Guid runId, StateProposal proposal, DateTimeOffset now,
        string? claimingWorker = null, StateType? expectedType = null, CancellationToken cancellationToken = default)
    {
        var row = await scope.Connection.QuerySingleOrDefaultAsync<FlowRunRow>(new CommandDefinition(
            $"{SelectRunStateFor(proposal)} WHERE r.id = @runId {scope.Dialect.RowLockOf("r")}", new { runId, transitionId = proposal.TransitionId },
            scope.Transaction, cancellationToken: cancellationToken));
        return row is null ? null : await TransitionAsync(scope, row, proposal, now, claimingWorker, expectedType, cancellationToken);
    }

    /// <summary>
    /// Asks <see cref="StateRules"/> about <paramref name="row"/> (read in this transaction and locked) and writes the
    /// verdict with its bookkeeping, conditioned on the state read. On success the row object is brought up to date
    /// with what was written.
    /// </summary>
    public static async Task<TransitionOutcome> TransitionAsync(
        WriteScope scope, FlowRunRow row, StateProposal proposal, DateTimeOffset now,
        string? claimingWorker = null, StateType? expectedType = null, CancellationToken cancellationToken = default)
    {
        var (outcome, write) = await DecideAsync(scope, row, proposal, now, claimingWorker, expectedType, cancellationToken);
        if (write is null)
        {
            return outcome;
        }

        return (await WriteAllAsync(scope, [write], cancellationToken))[0]
            ? Applied(row, write, outcome)
            : await ChangedConcurrentlyAsync(scope, row, cancellationToken);
    }

    /// <summary>
    /// The answer when a decided write did not take: another writer moved the run between our read and write (only
    /// possible on a multi-writer store, for a row that was not locked).
    /// </summary>
    private static async Task<TransitionOutcome> ChangedConcurrentlyAsync(WriteScope scope, FlowRunRow row, CancellationToken cancellationToken)
    {
        var latest = await GetAsync(scope.Connection, row.Id, scope.Transaction, cancellationToken);
        return new TransitionOutcome(latest ?? row,
            new SetStateResult(SetStateStatus.Abort, (latest ?? row).State, "the run's state changed concurrently; read it and propose again"),
            false);
    }

    /// <summary>
    /// The rules' verdict on <paramref name="row"/> (read in this transaction and locked),
    /// counting a limited deployment's slots under its lock when the proposal needs them, and the write it takes (null:
    /// nothing to write). The caller runs <see cref="WriteTransitionSql"/> with it, then <see cref="Applied"/>.
    /// </summary>
    public static async Task<(TransitionOutcome Outcome, TransitionWrite? Write)> DecideAsync(
        WriteScope scope, FlowRunRow row, StateProposal proposal, DateTimeOffset now,
        string? claimingWorker = null, StateType? expectedType = null, CancellationToken cancellationToken = default)
    {
        if (await AlreadyAppliedAsync(scope.Connection, scope.Transaction, row, proposal, cancellationToken) is { } applied)
        {
            return (applied, null);
        }

        if (proposal.Type == StateType.Failed && row.ResumeCount is null)
        {
            row.ResumeCount = await scope.Connection.ExecuteScalarAsync<long>(new CommandDefinition(
                $"SELECT {ResumeCountColumn} FROM flow_runs r WHERE r.id = @runId", new { runId = row.Id }, scope.Transaction, cancellationToken: cancellationToken));
        }

        var snapshot = RunSnapshotOf(row);
        if (CountsDeploymentSlots(row, proposal))
        {
            var limits = await LockDeploymentSlotsAsync(scope, row.DeploymentId!.Value, cancellationToken);
            if (limits.Limit is { } limit)
            {
                snapshot = snapshot with
                {
                    DeploymentConcurrencyLimit = limit,
                    CollisionStrategy = EnumNames.TryParse<CollisionStrategy>(limits.Strategy, out var strategy) ? strategy : CollisionStrategy.Enqueue,
                    DeploymentSlotsInUse = limits.InUse,
                };
            }
        }

        return Plan(row, proposal, snapshot, now, claimingWorker, expectedType);
    }

    /// <summary>
    /// A retried proposal whose first attempt was written (its state carries the transition id) and has since been
    /// followed by other states: answered ABORT with the current state, since applying it again would undo what came
    /// after (a FAILED retried after its AwaitingRetry would end a run that should run again). Null otherwise.
    /// </summary>
    /// <summary>Whether the run has (or had) the state <paramref name="stateId"/>: a transition id's proposal was applied.</summary>
    public static Task<bool> HasStateAsync(WriteScope scope, Guid runId, Guid stateId, CancellationToken cancellationToken) =>
        HasStateAsync(scope.Connection, scope.Transaction, runId, stateId, cancellationToken);

    private static async Task<bool> HasStateAsync(IDbConnection connection, IDbTransaction? transaction, Guid runId, Guid stateId, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM flow_run_states WHERE id = @stateId AND flow_run_id = @runId",
            new { stateId, runId }, transaction, cancellationToken: cancellationToken)) > 0;

    private static async Task<TransitionOutcome?> AlreadyAppliedAsync(
        IDbConnection connection, IDbTransaction? transaction, FlowRunRow row, StateProposal proposal, CancellationToken cancellationToken)
    {
        if (row.TransitionSeen is null && proposal.TransitionId is { } transitionId && transitionId != row.StateId)
        {
            row.TransitionSeen = await HasStateAsync(connection, transaction, row.Id, transitionId, cancellationToken) ? 1 : 0;
        }

        return AlreadyApplied(row, proposal);
    }

    /// <summary><see cref="AlreadyAppliedAsync"/> on a row read by <see cref="SelectRunStateFor"/>, which answered whether the transition id was written.</summary>
    private static TransitionOutcome? AlreadyApplied(FlowRunRow row, StateProposal proposal) =>
        proposal.TransitionId is { } transitionId && transitionId != row.StateId && row.TransitionSeen > 0
            ? new TransitionOutcome(row, new SetStateResult(SetStateStatus.Abort, row.State,
                $"this proposal was already applied; the run has since moved to {row.State.Type.ToWireName()}"), false)
            : null;

    /// <summary>
    /// <see cref="SelectRunState"/>, and for a proposal with a transition id whether a state with that id was written, in
    /// the same round trip (bound as <c>@transitionId</c>): every retried proposal must be recognised, and the hot path
    /// should not pay a second query for it.
    /// </summary>
    private static string SelectRunStateFor(StateProposal proposal) =>
        RunStateColumns
        + (proposal.TransitionId is null ? "" : ", (SELECT COUNT(*) FROM flow_run_states s WHERE s.id = @transitionId AND s.flow_run_id = r.id) AS transition_seen")
        + (proposal.Type == StateType.Failed ? ", " + ResumeCountColumn + " AS resume_count" : "")
        + RunStateFrom;

    /// <summary>
    /// How many times the run was resumed from a suspension (its SCHEDULED "Resuming" states): each started an attempt
    /// that is not a retry. Read only for a FAILED proposal, where the retry budget is decided, and only counted for a run
    /// that was ever resumed from a suspension (it then has suspend inputs).
    /// </summary>
    private static readonly string ResumeCountColumn = $"""
        CASE WHEN r.suspend_inputs IS NULL THEN 0 ELSE
            (SELECT COUNT(*) FROM flow_run_states s WHERE s.flow_run_id = r.id AND s.type = {Scheduled} AND s.name = '{StateNames.Resuming}') END
        """;

    /// <summary>
    /// Locks a deployment's row, the lock of its limit across pools, serving processes and replicas, until the
    /// transaction ends; then reads the limit and counts the slots in use afresh (a statement after the lock sees every
    /// move to PENDING committed before it).
    /// </summary>
    public static async Task<(int? Limit, string Strategy, int InUse)> LockDeploymentSlotsAsync(WriteScope scope, Guid deploymentId, CancellationToken cancellationToken)
    {
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            $"SELECT id FROM deployments WHERE id = @deploymentId {scope.Dialect.RowLockClause}", new { deploymentId }, scope.Transaction, cancellationToken: cancellationToken));
        return await scope.Connection.QuerySingleOrDefaultAsync<(int? Limit, string Strategy, int InUse)>(new CommandDefinition(
            $"""
            SELECT d.concurrency_limit, d.collision_strategy,
                (SELECT COUNT(*) FROM flow_runs r WHERE r.deployment_id = d.id AND r.state_type IN {HoldingSlot})
            FROM deployments d WHERE d.id = @deploymentId
            """,
            new { deploymentId }, scope.Transaction, cancellationToken: cancellationToken));
    }

    /// <summary>A move to PENDING that a deployment limit governs: its slots must be counted under the deployment's lock.</summary>
    public static bool CountsDeploymentSlots(FlowRunRow row, StateProposal proposal) =>
        proposal is { Type: StateType.Pending, Force: false } && row is { DeploymentId: not null, DeploymentConcurrencyLimit: not null }
        && !row.State.Type.HoldsSlot();

    private static RunSnapshot RunSnapshotOf(FlowRunRow row) =>
        new(row.State, row.DeploymentId is not null, row.InfrastructureId, row.RunCount, row.Retries, row.RetryDelaySeconds)
        {
            CrashRetries = row.DeploymentCrashRetries,
            CrashRetryDelaySeconds = row.DeploymentCrashRetryDelaySeconds,
            CrashRetryCount = row.CrashRetryCount,
            ResumeCount = (int)(row.ResumeCount ?? 0),
            StartTimeoutAction = StartTimeouts.Parse(row.StartTimeoutAction),
        };

    /// <summary>The rules' verdict on <paramref name="row"/>, and the write it needs (null: nothing to write).</summary>
    private static (TransitionOutcome Outcome, TransitionWrite? Write) Plan(
        FlowRunRow row, StateProposal proposal, RunSnapshot snapshot, DateTimeOffset now, string? claimingWorker, StateType? expectedType)
    {
        var current = row.State;
        // A proposal sent again whose state is the current one was made when the run was of the expected type.
        if (expectedType is { } expected && current.Type != expected && proposal.TransitionId != current.Id)
        {
            return (new TransitionOutcome(row,
                new SetStateResult(SetStateStatus.Abort, current, $"run is {current.Type.ToWireName()}, not {expected.ToWireName()}"),
                false), null);
        }

        var decision = StateRules.Decide(snapshot, proposal, now);
        if (decision.StateToWrite is not { } next)
        {
            return (new TransitionOutcome(row, new SetStateResult(decision.Status, current, decision.Reason, decision.RetryAfterSeconds), false), null);
        }

        var crashRetry = next.Name == StateNames.AwaitingCrashRetry && current.Name != StateNames.AwaitingCrashRetry;
        var write = new TransitionWrite
        {
            Id = row.Id,
            ExpectedStateId = current.Id,
            ExpectedInfrastructureId = row.InfrastructureId,
            StateId = next.Id,
            Type = next.Type.ToWireName(),
            Name = next.Name,
            Message = next.Message,
            Timestamp = Ms(next.Timestamp),
            Scheduled = Ms(next.ScheduledTime),
            NextScheduled = next.Type == StateType.Scheduled ? Ms(next.ScheduledTime ?? now) : null,
            StartTime = next.Type == StateType.Running ? row.StartTime ?? Ms(now) : row.StartTime,
            EndTime = next.Type.IsTerminal() ? Ms(now) : null,
            TotalRunTimeMs = row.TotalRunTimeMs + (current.Type == StateType.Running ? Math.Max(0, Ms(now) - row.StateTimestamp) : 0),
            // A resumed run goes on with the same attempt: its retries are not used up by a pause.
            RunCount = row.RunCount + (next.Type == StateType.Running && current.Type is not (StateType.Running or StateType.Paused) ? 1 : 0),
            WorkerName = next.Type == StateType.Pending && current.Type != StateType.Pending ? claimingWorker ?? row.WorkerName : row.WorkerName,
            // A run scheduled again (retry by hand, or after a crash) gets new infrastructure; the old id would be misleading.
            InfrastructureId = next.Type == StateType.Scheduled && (current.Type.IsTerminal() || crashRetry) ? null : row.InfrastructureId,
            CrashRetryCount = row.CrashRetryCount + (crashRetry ? 1 : 0),
            // A heartbeat belongs to one attempt's process: the next attempt's claim must not be judged by the old one's
            // silence. A run awaiting its own retry keeps it, since that same process lives on and goes on beating.
            KeepsHeartbeat = next.Type != StateType.Scheduled || next.Name == StateNames.AwaitingRetry,
        };
        var wakesClaims = next.Type == StateType.Scheduled || (current.Type.HoldsSlot() && !next.Type.HoldsSlot());
        return (new TransitionOutcome(row, new SetStateResult(decision.Status, next, decision.Reason), wakesClaims), write);
    }

    /// <summary>Brings <paramref name="row"/> up to date with the write that took.</summary>
    public static TransitionOutcome Applied(FlowRunRow row, TransitionWrite write, TransitionOutcome outcome)
    {
        (row.StateId, row.StateType, row.StateName, row.StateMessage, row.StateTimestamp, row.StateScheduledTime) =
            (write.StateId, write.Type, write.Name, write.Message, write.Timestamp, write.Scheduled);
        (row.NextScheduledStartTime, row.StartTime, row.EndTime, row.TotalRunTimeMs, row.RunCount, row.WorkerName, row.InfrastructureId, row.Updated) =
            (write.NextScheduled, write.StartTime, write.EndTime, write.TotalRunTimeMs, write.RunCount, write.WorkerName, write.InfrastructureId, write.Timestamp);
        (row.CrashRetryCount, row.LastHeartbeat) = (write.CrashRetryCount, write.KeepsHeartbeat ? row.LastHeartbeat : null);
        return outcome;
    }

    /// <summary>The parameters of <see cref="WriteTransitionSql"/>.</summary>
    internal sealed class TransitionWrite
    {
        public Guid Id { get; init; }
        public Guid ExpectedStateId { get; init; }
        public string? ExpectedInfrastructureId { get; init; }
        public Guid StateId { get; init; }
        public string Type { get; init; } = "";
        public string Name { get; init; } = "";
        public string? Message { get; init; }
        public long Timestamp { get; init; }
        public long? Scheduled { get; init; }
        public long? NextScheduled { get; init; }
        public long? StartTime { get; init; }
        public long? EndTime { get; init; }
        public long TotalRunTimeMs { get; init; }
        public int RunCount { get; init; }
        public string? WorkerName { get; init; }
        public string? InfrastructureId { get; set; }
        public int CrashRetryCount { get; init; }
        public bool KeepsHeartbeat { get; init; }

        /// <summary>
        /// These parameters, each name followed by <paramref name="suffix"/>: typed, as a null's type is not inferred, and ids
        /// as text, as every id is stored (<see cref="DapperSetup"/>).
        /// </summary>
        public void AddTo(DynamicParameters parameters, string suffix)
        {
            parameters.Add(nameof(Id) + suffix, Id.ToString("D"), DbType.String);
            parameters.Add(nameof(ExpectedStateId) + suffix, ExpectedStateId.ToString("D"), DbType.String);
            parameters.Add(nameof(ExpectedInfrastructureId) + suffix, ExpectedInfrastructureId, DbType.String);
            parameters.Add(nameof(StateId) + suffix, StateId.ToString("D"), DbType.String);
            parameters.Add(nameof(Type) + suffix, Type, DbType.String);
            parameters.Add(nameof(Name) + suffix, Name, DbType.String);
            parameters.Add(nameof(Message) + suffix, Message, DbType.String);
            parameters.Add(nameof(Timestamp) + suffix, Timestamp, DbType.Int64);
            parameters.Add(nameof(Scheduled) + suffix, Scheduled, DbType.Int64);
            parameters.Add(nameof(NextScheduled) + suffix, NextScheduled, DbType.Int64);
            parameters.Add(nameof(StartTime) + suffix, StartTime, DbType.Int64);
            parameters.Add(nameof(EndTime) + suffix, EndTime, DbType.Int64);
            parameters.Add(nameof(TotalRunTimeMs) + suffix, TotalRunTimeMs, DbType.Int64);
            parameters.Add(nameof(RunCount) + suffix, RunCount, DbType.Int32);
            parameters.Add(nameof(WorkerName) + suffix, WorkerName, DbType.String);
            parameters.Add(nameof(InfrastructureId) + suffix, InfrastructureId, DbType.String);
            parameters.Add(nameof(CrashRetryCount) + suffix, CrashRetryCount, DbType.Int32);
            parameters.Add(nameof(KeepsHeartbeat) + suffix, KeepsHeartbeat, DbType.Boolean);
        }
    }

    public static async Task<int> SetInfrastructureAsync(WriteScope scope, Guid runId, string infrastructureId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE flow_runs SET infrastructure_id = @infrastructureId, updated = @now WHERE id = @runId",
            new { runId, infrastructureId, now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Sets a PENDING run's waiting reason for <paramref name="worker"/>: its claimant, or a live worker of its pool (heard
    /// from within three of its heartbeat intervals, as ONLINE means) once the claimant has missed two heartbeats, which
    /// is when another worker adopts its infrastructure. 0 rows: the run does not exist, is not PENDING, or the worker may not.
    /// </summary>
    public static async Task<int> SetInfrastructureWaitingReasonAsync(WriteScope scope, Guid runId, string? reason, string worker, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        await scope.Connection.ExecuteAsync(new CommandDefinition($"""
            UPDATE flow_runs SET infrastructure_waiting_reason = @reason
            WHERE id = @runId AND state_type = {Pending}
              AND (worker_name = @worker
                OR (EXISTS (SELECT 1 FROM workers w WHERE w.work_pool_id = flow_runs.work_pool_id AND w.name = @worker
                        AND w.last_heartbeat >= @now - 3000 * w.heartbeat_interval_seconds)
                    AND NOT EXISTS (SELECT 1 FROM workers c WHERE c.work_pool_id = flow_runs.work_pool_id AND c.name = flow_runs.worker_name
                        AND c.last_heartbeat >= @now - 2000 * c.heartbeat_interval_seconds)))
            """, new { runId, reason, worker, now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>What a pause asks for, written with the move to PAUSED; the last resume's input is cleared.</summary>
    public static async Task SetPauseAsync(WriteScope scope, Guid runId, JsonObject? inputSchema, DateTimeOffset? timeout, string? suspendKey, CancellationToken cancellationToken) =>
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE flow_runs SET pause_input_schema = @schema, pause_timeout = @timeout, pause_key = @suspendKey, resume_input = NULL WHERE id = @runId",
            new { runId, schema = inputSchema?.ToJsonString(), timeout = Ms(timeout), suspendKey }, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>A suspended run's resume: its input, and every suspension's input by key; the pause is done with.</summary>
    public static async Task SetSuspendInputsAsync(WriteScope scope, Guid runId, JsonObject? input, JsonObject inputs, CancellationToken cancellationToken) =>
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE flow_runs SET resume_input = @input, suspend_inputs = @inputs, pause_input_schema = NULL, pause_timeout = NULL, pause_key = NULL WHERE id = @runId",
            new { runId, input = input?.ToJsonString(), inputs = inputs.ToJsonString() }, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>The input a resume carried, written with the move back to RUNNING; the pause's schema and timeout are done with.</summary>
    public static async Task SetResumeInputAsync(WriteScope scope, Guid runId, JsonObject? input, CancellationToken cancellationToken) =>
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE flow_runs SET resume_input = @input, pause_input_schema = NULL, pause_timeout = NULL WHERE id = @runId",
            new { runId, input = input?.ToJsonString() }, scope.Transaction, cancellationToken: cancellationToken));

    public static async Task<int> HeartbeatAsync(WriteScope scope, Guid runId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE flow_runs SET last_heartbeat = @now WHERE id = @runId",
            new { runId, now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// The result files (flow and task results kept in the result folder) of the runs <paramref name="runFilter"/> selects
    /// (a condition on flow_runs, bound with <paramref name="parameters"/>): read before the runs are deleted, since their
    /// rows go with them, and removed once the delete has committed.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ResultFilesAsync(WriteScope scope, string runFilter, object parameters, CancellationToken cancellationToken) =>
        (await scope.Connection.QueryAsync<string>(new CommandDefinition(
            $"""
            SELECT result_ref FROM flow_run_results WHERE result_ref IS NOT NULL AND flow_run_id IN (SELECT id FROM flow_runs WHERE {runFilter})
            UNION ALL
            SELECT result_ref FROM task_runs WHERE result_ref IS NOT NULL AND flow_run_id IN (SELECT id FROM flow_runs WHERE {runFilter})
            """, parameters, scope.Transaction, cancellationToken: cancellationToken))).ToList();

    public static async Task<int> DeleteAsync(WriteScope scope, Guid runId, CancellationToken cancellationToken)
    {
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM logs WHERE flow_run_id = @runId", new { runId }, scope.Transaction, cancellationToken: cancellationToken));
        return await scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM flow_runs WHERE id = @runId", new { runId }, scope.Transaction, cancellationToken: cancellationToken));
    }
}
