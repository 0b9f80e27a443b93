using System.Data.Common;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Server.Domain;
using Dapper;
using static Bosun.Server.Storage.StateSql;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>Work pools, their queues and their workers.</summary>
internal static class WorkPoolStore
{
    /// <summary>A worker row <c>w</c> counts as online at <c>@now</c> (milliseconds): heard from within three of its heartbeat intervals (see <see cref="Statuses.WorkerStatus"/>).</summary>
    public const string WorkerOnline = "w.last_heartbeat >= @now - 3000 * w.heartbeat_interval_seconds";

    public static readonly string SelectPool = $"""
        SELECT p.*,
            (SELECT COUNT(*) FROM flow_runs r WHERE r.work_pool_id = p.id AND r.state_type IN {HoldingSlot}) AS slots_in_use,
            (SELECT COUNT(*) FROM work_queues q WHERE q.work_pool_id = p.id) AS queue_count,
            (SELECT COUNT(*) FROM workers w WHERE w.work_pool_id = p.id AND {WorkerOnline}) AS online_workers
        FROM work_pools p
        """;

    private static readonly string SelectQueue = $"""
        SELECT q.*, p.name AS work_pool_name,
            (SELECT COUNT(*) FROM flow_runs r WHERE r.work_queue_id = q.id AND r.state_type IN {HoldingSlot}) AS slots_in_use,
            (SELECT COUNT(*) FROM flow_runs r WHERE r.work_queue_id = q.id AND r.state_type = {Scheduled} AND r.state_name = '{StateNames.Late}') AS late_runs
        FROM work_queues q JOIN work_pools p ON p.id = q.work_pool_id
        """;

    public static Task<WorkPoolRow?> GetPoolAsync(DbConnection connection, string name, DateTimeOffset now, DbTransaction? transaction = null, CancellationToken cancellationToken = default) =>
        connection.QuerySingleOrDefaultAsync<WorkPoolRow?>(new CommandDefinition(
            SelectPool + " WHERE p.name = @name", new { name, now = Ms(now) }, transaction, cancellationToken: cancellationToken));

    public static Task<WorkPoolRow?> GetPoolByIdAsync(DbConnection connection, Guid id, DateTimeOffset now, DbTransaction? transaction = null, CancellationToken cancellationToken = default) =>
        connection.QuerySingleOrDefaultAsync<WorkPoolRow?>(new CommandDefinition(
            SelectPool + " WHERE p.id = @id", new { id, now = Ms(now) }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Pools by name, of the type <paramref name="type"/> and whose name contains <paramref name="nameContains"/> (any
    /// case, see <see cref="DeploymentStore.LikeContains"/>) when given, after the name <paramref name="after"/> when given
    /// (a cursor's), then <paramref name="offset"/> on.
    /// </summary>
    public static async Task<IReadOnlyList<WorkPoolRow>> ListPoolsAsync(
        DbConnection connection, string? type, string? nameContains, string? after, int offset, int limit, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<WorkPoolRow>(new CommandDefinition(
            SelectPool + $" WHERE {PoolFilter} AND (CAST(@after AS TEXT) IS NULL OR p.name > @after) ORDER BY p.name LIMIT @limit OFFSET @offset",
            new { type, nameLike = NameLike(nameContains), after, limit, offset, now = Ms(now) }, cancellationToken: cancellationToken))).ToList();

    private const string PoolFilter =
        "(CAST(@type AS TEXT) IS NULL OR p.type = @type) AND (CAST(@nameLike AS TEXT) IS NULL OR LOWER(p.name) LIKE LOWER(@nameLike) ESCAPE '\\')";

    private static string? NameLike(string? nameContains) =>
        string.IsNullOrWhiteSpace(nameContains) ? null : DeploymentStore.LikeContains(nameContains.Trim());

    /// <summary>The base job templates of the pools <paramref name="poolIds"/> names, by pool id (pools that are gone are missing).</summary>
    public static async Task<Dictionary<Guid, string>> GetBaseJobTemplatesAsync(DbConnection connection, IReadOnlyCollection<Guid> poolIds, DbTransaction? transaction = null, CancellationToken cancellationToken = default) =>
        poolIds.Count == 0 ? [] : (await connection.QueryAsync<(Guid Id, string Template)>(new CommandDefinition(
            $"SELECT id, base_job_template FROM work_pools WHERE {In(connection, "id", "poolIds")}", new { poolIds = Ids(poolIds.Distinct()) }, transaction,
            cancellationToken: cancellationToken))).ToDictionary(pool => pool.Id, pool => pool.Template);

    /// <summary>
    /// What decides whether a run of <paramref name="poolId"/>, <paramref name="queueId"/> and <paramref name="deploymentId"/>
    /// can be delivered, in one statement (a create answers with its waiting reason inside its write transaction, where
    /// each statement on PostgreSQL is a round trip): the pool's and the queue's settings (defaults for none), the
    /// deployment's limit, and the pool's online workers at <paramref name="now"/>.
    /// </summary>
    public static Task<DeliveryFacts> GetDeliveryFactsAsync(
        DbConnection connection, DbTransaction? transaction, Guid? poolId, Guid? queueId, Guid? deploymentId, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.QuerySingleAsync<DeliveryFacts>(new CommandDefinition($"""
            SELECT {DeliveryFactColumns("@poolId")},
                (SELECT d.concurrency_limit FROM deployments d WHERE d.id = @deploymentId) AS deployment_limit
            FROM (SELECT 1 AS one) o
            LEFT JOIN work_pools p ON p.id = @poolId
            LEFT JOIN work_queues q ON q.id = @queueId
            """, new { poolId, queueId, deploymentId, now = Ms(now) }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// The columns of <see cref="DeliveryFacts"/> but the deployment's limit, from the pool <c>p</c> and queue <c>q</c>
    /// joined, and the online workers of the pool <paramref name="poolId"/> (an expression) at <c>@now</c>.
    /// </summary>
    public static string DeliveryFactColumns(string poolId) => $"""
        p.name AS pool_name, p.paused AS pool_paused, p.concurrency_limit AS pool_limit,
            q.name AS queue_name, q.paused AS queue_paused, q.concurrency_limit AS queue_limit,
            (SELECT COUNT(*) FROM workers w WHERE w.work_pool_id = {poolId} AND {WorkerOnline}) AS online_workers
        """;

    public static Task<int> CountPoolsAsync(DbConnection connection, string? type, string? nameContains, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<int>(new CommandDefinition(
            $"SELECT COUNT(*) FROM work_pools p WHERE {PoolFilter}", new { type, nameLike = NameLike(nameContains) }, cancellationToken: cancellationToken));

    public static Task InsertPoolAsync(WriteScope scope, WorkPoolRow row, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO work_pools (id, name, type, description, base_job_template, job_variable_policy, paused, concurrency_limit, created, updated)
            VALUES (@Id, @Name, @Type, @Description, @BaseJobTemplate, @JobVariablePolicy, @Paused, @ConcurrencyLimit, @Created, @Updated)
            """, row, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>Waits for the pool's claims in flight and keeps new ones out until the transaction ends (see <see cref="SqlDialect.PoolLockStatement"/>).</summary>
    public static async Task LockPoolAsync(WriteScope scope, Guid poolId, CancellationToken cancellationToken)
    {
        var statement = scope.Dialect.PoolLockStatement(exclusive: true);
        if (statement.Length > 0)
        {
            await scope.Connection.ExecuteAsync(new CommandDefinition(statement, new { poolId }, scope.Transaction, cancellationToken: cancellationToken));
        }
    }

    public static async Task<int> UpdatePoolAsync(WriteScope scope, WorkPoolRow row, CancellationToken cancellationToken)
    {
        await LockPoolAsync(scope, row.Id, cancellationToken);
        return await scope.Connection.ExecuteAsync(new CommandDefinition("""
            UPDATE work_pools SET description = @Description, base_job_template = @BaseJobTemplate, job_variable_policy = @JobVariablePolicy, paused = @Paused,
                concurrency_limit = @ConcurrencyLimit, updated = @Updated
            WHERE id = @Id
            """, row, scope.Transaction, cancellationToken: cancellationToken));
    }

    public static async Task DeletePoolAsync(WriteScope scope, Guid poolId, CancellationToken cancellationToken)
    {
        await LockPoolAsync(scope, poolId, cancellationToken);
        // Runs keep their history; they only lose the pool they were delivered from.
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE flow_runs SET work_pool_id = NULL, work_queue_id = NULL WHERE work_pool_id = @poolId",
            new { poolId }, scope.Transaction, cancellationToken: cancellationToken));
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM work_pools WHERE id = @poolId", new { poolId }, scope.Transaction, cancellationToken: cancellationToken));
    }

    public static Task<int> ActiveRunsInPoolAsync(WriteScope scope, Guid poolId, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteScalarAsync<int>(new CommandDefinition(
            $"SELECT COUNT(*) FROM flow_runs WHERE work_pool_id = @poolId AND state_type IN {HoldingSlot}",
            new { poolId }, scope.Transaction, cancellationToken: cancellationToken));

    public static async Task<IReadOnlyList<WorkQueueRow>> ListQueuesAsync(DbConnection connection, Guid poolId, DbTransaction? transaction = null, CancellationToken cancellationToken = default) =>
        (await connection.QueryAsync<WorkQueueRow>(new CommandDefinition(
            SelectQueue + " WHERE q.work_pool_id = @poolId ORDER BY q.priority", new { poolId }, transaction, cancellationToken: cancellationToken))).ToList();

    public static Task<WorkQueueRow?> GetQueueAsync(DbConnection connection, Guid poolId, string name, DbTransaction? transaction = null, CancellationToken cancellationToken = default) =>
        connection.QuerySingleOrDefaultAsync<WorkQueueRow?>(new CommandDefinition(
            SelectQueue + " WHERE q.work_pool_id = @poolId AND q.name = @name", new { poolId, name }, transaction, cancellationToken: cancellationToken));

    public static Task<WorkQueueRow?> GetQueueByIdAsync(DbConnection connection, Guid id, DbTransaction? transaction = null, CancellationToken cancellationToken = default) =>
        connection.QuerySingleOrDefaultAsync<WorkQueueRow?>(new CommandDefinition(
            SelectQueue + " WHERE q.id = @id", new { id }, transaction, cancellationToken: cancellationToken));

    public static Task InsertQueueAsync(WriteScope scope, WorkQueueRow row, DateTimeOffset now, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO work_queues (id, work_pool_id, name, description, priority, concurrency_limit, paused, last_polled, created, updated)
            VALUES (@Id, @WorkPoolId, @Name, @Description, @Priority, @ConcurrencyLimit, @Paused, NULL, @now, @now)
            """, new { row.Id, row.WorkPoolId, row.Name, row.Description, row.Priority, row.ConcurrencyLimit, row.Paused, now = Ms(now) },
            scope.Transaction, cancellationToken: cancellationToken));

    public static Task<int> UpdateQueueAsync(WriteScope scope, WorkQueueRow row, DateTimeOffset now, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition("""
            UPDATE work_queues SET description = @Description, priority = @Priority, concurrency_limit = @ConcurrencyLimit,
                paused = @Paused, updated = @now
            WHERE id = @Id
            """, new { row.Id, row.Description, row.Priority, row.ConcurrencyLimit, row.Paused, now = Ms(now) },
            scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>Makes room at <paramref name="priority"/> by moving that queue and the ones below it down by one.</summary>
    public static async Task ShiftPrioritiesAsync(WriteScope scope, Guid poolId, int priority, Guid? exceptQueueId, CancellationToken cancellationToken)
    {
        var taken = await scope.Connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM work_queues WHERE work_pool_id = @poolId AND priority = @priority AND (CAST(@exceptQueueId AS TEXT) IS NULL OR id <> @exceptQueueId)",
            new { poolId, priority, exceptQueueId }, scope.Transaction, cancellationToken: cancellationToken));
        if (taken == 0)
        {
            return;
        }

        // Two steps keep a UNIQUE(pool, priority) index (if one is ever added) satisfied: move out of the way, then back.
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE work_queues SET priority = -(priority + 1) WHERE work_pool_id = @poolId AND priority >= @priority AND (CAST(@exceptQueueId AS TEXT) IS NULL OR id <> @exceptQueueId)",
            new { poolId, priority, exceptQueueId }, scope.Transaction, cancellationToken: cancellationToken));
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE work_queues SET priority = -priority WHERE work_pool_id = @poolId AND priority < 0",
            new { poolId }, scope.Transaction, cancellationToken: cancellationToken));
    }

    public static Task<int> FirstFreePriorityAsync(WriteScope scope, Guid poolId, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            SELECT COALESCE(MIN(q.priority + 1), 1) FROM work_queues q
            WHERE q.work_pool_id = @poolId
              AND NOT EXISTS (SELECT 1 FROM work_queues n WHERE n.work_pool_id = q.work_pool_id AND n.priority = q.priority + 1)
              AND EXISTS (SELECT 1 FROM work_queues o WHERE o.work_pool_id = @poolId AND o.priority = 1)
            """, new { poolId }, scope.Transaction, cancellationToken: cancellationToken));

    public static async Task DeleteQueueAsync(WriteScope scope, Guid queueId, Guid defaultQueueId, CancellationToken cancellationToken)
    {
        // Waiting runs move to the default queue so that nothing scheduled is stranded.
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE flow_runs SET work_queue_id = @defaultQueueId WHERE work_queue_id = @queueId",
            new { queueId, defaultQueueId }, scope.Transaction, cancellationToken: cancellationToken));
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE deployments SET work_queue_id = @defaultQueueId WHERE work_queue_id = @queueId",
            new { queueId, defaultQueueId }, scope.Transaction, cancellationToken: cancellationToken));
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM work_queues WHERE id = @queueId", new { queueId }, scope.Transaction, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Records a worker's heartbeat (creating the worker); at most once a second per worker, which is plenty for
    /// statuses. Nothing when the pool was deleted meanwhile. Parameters: id (for a new worker), poolId, name, type,
    /// intervalSeconds, now.
    /// </summary>
    public const string UpsertWorkerSql = """
        INSERT INTO workers (id, work_pool_id, name, type, last_heartbeat, heartbeat_interval_seconds, created)
        SELECT @id, @poolId, @name, @type, @now, @intervalSeconds, @now WHERE EXISTS (SELECT 1 FROM work_pools WHERE id = @poolId)
        ON CONFLICT (work_pool_id, name) DO UPDATE SET
            last_heartbeat = excluded.last_heartbeat,
            heartbeat_interval_seconds = excluded.heartbeat_interval_seconds,
            type = COALESCE(excluded.type, workers.type)
        WHERE workers.last_heartbeat < excluded.last_heartbeat - 1000
           OR workers.heartbeat_interval_seconds <> excluded.heartbeat_interval_seconds
           OR (excluded.type IS NOT NULL AND (workers.type IS NULL OR workers.type <> excluded.type))
        """;

    /// <summary>Records a worker's heartbeat (<see cref="UpsertWorkerSql"/>).</summary>
    public static Task UpsertWorkerAsync(WriteScope scope, Guid poolId, string name, string? type, int intervalSeconds, DateTimeOffset now, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            UpsertWorkerSql, new { id = Guid.NewGuid(), poolId, name, type, intervalSeconds, now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken));

    public static async Task<IReadOnlyList<WorkerRow>> ListWorkersAsync(DbConnection connection, Guid poolId, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<WorkerRow>(new CommandDefinition(
            "SELECT w.*, p.name AS work_pool_name FROM workers w JOIN work_pools p ON p.id = w.work_pool_id WHERE w.work_pool_id = @poolId ORDER BY w.last_heartbeat DESC",
            new { poolId }, cancellationToken: cancellationToken))).ToList();

    /// <summary>Every pool's workers, most recently heard first, each with its runs in flight (holding a slot, by its name in its pool).</summary>
    public static async Task<IReadOnlyList<(WorkerRow Worker, int RunsInFlight)>> ListAllWorkersAsync(DbConnection connection, int limit, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<WorkerInFlightRow>(new CommandDefinition($"""
            SELECT w.*, p.name AS work_pool_name,
                (SELECT COUNT(*) FROM flow_runs r WHERE r.work_pool_id = w.work_pool_id AND r.worker_name = w.name AND r.state_type IN {StateSql.HoldingSlot}) AS runs_in_flight
            FROM workers w JOIN work_pools p ON p.id = w.work_pool_id ORDER BY w.last_heartbeat DESC, p.name, w.name LIMIT @limit
            """, new { limit }, cancellationToken: cancellationToken))).Select(row => ((WorkerRow)row, (int)row.RunsInFlight)).ToList();

    private sealed class WorkerInFlightRow : WorkerRow
    {
        public long RunsInFlight { get; set; }
    }

    public static Task<int> DeleteWorkerAsync(WriteScope scope, Guid poolId, string name, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM workers WHERE work_pool_id = @poolId AND name = @name", new { poolId, name }, scope.Transaction, cancellationToken: cancellationToken));
}
