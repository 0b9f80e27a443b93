using System.Data.Common;
using Bosun.Contracts.WorkPools;
using Dapper;
using static Bosun.Server.Storage.StateSql;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>Flows and deployments.</summary>
internal static class DeploymentStore
{
    /// <summary>A deployment with the names it refers to, from scalar subqueries (cheap to plan; see <see cref="FlowRunStore.SelectRun"/>).</summary>
    public const string SelectDeployment = """
        SELECT d.*,
            (SELECT f.name FROM flows f WHERE f.id = d.flow_id) AS flow_name,
            (SELECT p.name FROM work_pools p WHERE p.id = d.work_pool_id) AS work_pool_name,
            (SELECT q.name FROM work_queues q WHERE q.id = d.work_queue_id) AS work_queue_name,
            (SELECT q.last_polled FROM work_queues q WHERE q.id = d.work_queue_id) AS queue_last_polled
        FROM deployments d
        """;

    private const string FlowNamed = "d.flow_id IN (SELECT id FROM flows WHERE name = @flowName)";

    private const string PoolNamed = "d.work_pool_id IN (SELECT id FROM work_pools WHERE name = @workPoolName)";

    /// <summary>Maps rows to contracts with their schedules and their latest skipped times (one query each for all of them).</summary>
    public static async Task<IReadOnlyList<Contracts.Deployments.Deployment>> ToContractsAsync(
        DbConnection connection, IReadOnlyList<DeploymentRow> rows, DateTimeOffset now, DbTransaction? transaction = null, CancellationToken cancellationToken = default)
    {
        var ids = rows.Select(row => row.Id).ToList();
        var schedules = await ScheduleStore.ListForAsync(connection, ids, transaction, cancellationToken);
        var skipped = await ScheduleStore.RecentSkippedAsync(connection, ids, 20, transaction, cancellationToken);
        return rows.Select(row => row.ToContract(now, schedules[row.Id], skipped[row.Id])).ToList();
    }

    public static async Task<Guid> EnsureFlowAsync(WriteScope scope, string name, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var existing = await scope.Connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            "SELECT id FROM flows WHERE name = @name", new { name }, scope.Transaction, cancellationToken: cancellationToken));
        if (existing is { } id)
        {
            return id;
        }

        // Two first deployments of one new flow race for its row (PostgreSQL): the loser waits for the winner's commit,
        // inserts nothing, and reads the winner's row (READ COMMITTED: each statement sees what committed before it),
        // where a plain INSERT failed its request with a unique violation (a 500).
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO flows (id, name, created) VALUES (@id, @name, @now) ON CONFLICT (name) DO NOTHING", new { id = Guid.NewGuid(), name, now = Ms(now) },
            scope.Transaction, cancellationToken: cancellationToken));
        return await scope.Connection.ExecuteScalarAsync<Guid>(new CommandDefinition(
            "SELECT id FROM flows WHERE name = @name", new { name }, scope.Transaction, cancellationToken: cancellationToken));
    }

    /// <summary>Flows by name, after the name <paramref name="after"/> when given (a cursor's), then <paramref name="offset"/> on.</summary>
    public static async Task<IReadOnlyList<(Guid Id, string Name, long Created)>> ListFlowsAsync(
        DbConnection connection, string? after, int offset, int limit, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<(Guid, string, long)>(new CommandDefinition(
            "SELECT id, name, created FROM flows WHERE (CAST(@after AS TEXT) IS NULL OR name > @after) ORDER BY name LIMIT @limit OFFSET @offset",
            new { after, offset, limit }, cancellationToken: cancellationToken))).ToList();

    public static Task<int> CountFlowsAsync(DbConnection connection, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT COUNT(*) FROM flows", cancellationToken: cancellationToken));

    public static Task<DeploymentRow?> GetAsync(DbConnection connection, Guid id, DbTransaction? transaction = null, CancellationToken cancellationToken = default) =>
        connection.QuerySingleOrDefaultAsync<DeploymentRow?>(new CommandDefinition(
            SelectDeployment + " WHERE d.id = @id", new { id }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// A deployment with its pool's base job template and job variable policy (nulls without a pool): what each run of it
    /// is created against, read in one round trip. With <paramref name="deliveryAt"/>, also what decides whether a run of
    /// the deployment's own pool and queue can be delivered at that time (a single create's answer says what its run waits
    /// for, and needs no round trip of its own for it).
    /// </summary>
    public static async Task<(DeploymentRow? Deployment, string? Template, string? Policy, DeliveryFacts? Delivery)> GetWithPoolTemplateAsync(
        WriteScope scope, Guid id, DateTimeOffset? deliveryAt, CancellationToken cancellationToken)
    {
        var facts = deliveryAt is null ? "" : $", {WorkPoolStore.DeliveryFactColumns("d.work_pool_id")}, d.concurrency_limit AS deployment_limit";
        using var batch = await scope.Connection.QueryMultipleAsync(new CommandDefinition($"""
            {SelectDeployment} WHERE d.id = @id;
            SELECT p.base_job_template, p.job_variable_policy{facts}
            FROM deployments d JOIN work_pools p ON p.id = d.work_pool_id LEFT JOIN work_queues q ON q.id = d.work_queue_id
            WHERE d.id = @id
            """, new { id, now = deliveryAt is { } at ? Ms(at) : 0 }, scope.Transaction, cancellationToken: cancellationToken));
        var deployment = await batch.ReadSingleOrDefaultAsync<DeploymentRow>();
        var pool = await batch.ReadFirstOrDefaultAsync<PoolTemplateRow>();
        return (deployment, pool?.BaseJobTemplate, pool?.JobVariablePolicy, deliveryAt is null ? null : pool);
    }

    /// <summary>Writes the deployment's timeout and crash-retry policy (kept apart from the upsert's long statement).</summary>
    public static Task<int> SetRunPolicyAsync(WriteScope scope, DeploymentRow row, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE deployments SET timeout_seconds = @TimeoutSeconds, crash_retries = @CrashRetries, crash_retry_delay_seconds = @CrashRetryDelaySeconds,
                start_timeout_seconds = @StartTimeoutSeconds, start_timeout_action = @StartTimeoutAction
            WHERE id = @Id
            """,
            row, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Two statements, the deployments of the ids in <see cref="ManyParameters"/> and their schedules, for a batch read
    /// by <see cref="ReadManyAsync"/>. One id (the usual claim) goes as a plain parameter: PostgreSQL plans an array
    /// parameter as ten values, which makes its generic plan look costly and every execution plan afresh.
    /// </summary>
    public static string SelectManySql(DbConnection connection, int count)
    {
        string Where(string column) => count == 1 ? $"{column} = @deploymentId" : In(connection, column, "deploymentIds");
        return $"{SelectDeployment} WHERE {Where("d.id")};\n{ScheduleStore.SelectForDeployments(Where("deployment_id"))}";
    }

    public static DynamicParameters ManyParameters(IReadOnlyCollection<Guid> ids)
    {
        var parameters = new DynamicParameters();
        parameters.Add("deploymentIds", Ids(ids));
        parameters.Add("deploymentId", ids.First().ToString("D"));
        return parameters;
    }

    /// <summary>Reads what <see cref="SelectManySql"/> selected: deployments with their schedules.</summary>
    public static async Task<IReadOnlyList<Contracts.Deployments.Deployment>> ReadManyAsync(SqlMapper.GridReader batch, IReadOnlyCollection<Guid> ids, DateTimeOffset now)
    {
        var rows = (await batch.ReadAsync<DeploymentRow>()).ToList();
        var schedules = ScheduleStore.GroupByDeployment(ids, await batch.ReadAsync<ScheduleRow>());
        return rows.Select(row => row.ToContract(now, schedules[row.Id])).ToList();
    }

    public static Task<DeploymentRow?> GetByNameAsync(DbConnection connection, string flowName, string name, DbTransaction? transaction = null, CancellationToken cancellationToken = default) =>
        connection.QuerySingleOrDefaultAsync<DeploymentRow?>(new CommandDefinition(
            $"{SelectDeployment} WHERE {FlowNamed} AND d.name = @name", new { flowName, name }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Deployments <paramref name="filter"/> selects, by flow name then name, after the deployment <paramref name="after"/>
    /// names (flow, name; a cursor's) when given, then <paramref name="offset"/> on.
    /// </summary>
    public static async Task<IReadOnlyList<DeploymentRow>> ListAsync(
        DbConnection connection, DeploymentListFilter filter, (string Flow, string Name)? after, int offset, int limit, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var (where, parameters) = Where(filter, now);
        where += $" AND (CAST(@afterFlow AS TEXT) IS NULL OR {FlowOf} > @afterFlow OR ({FlowOf} = @afterFlow AND d.name > @afterName))";
        parameters.Add("afterFlow", after?.Flow);
        parameters.Add("afterName", after?.Name);
        parameters.Add("offset", offset);
        parameters.Add("limit", limit);
        return (await connection.QueryAsync<DeploymentRow>(new CommandDefinition(
            $"{SelectDeployment} WHERE {where} ORDER BY flow_name, d.name LIMIT @limit OFFSET @offset", parameters, cancellationToken: cancellationToken))).ToList();
    }

    private const string FlowOf = "(SELECT f.name FROM flows f WHERE f.id = d.flow_id)";

    public static Task<int> CountAsync(DbConnection connection, DeploymentListFilter filter, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (where, parameters) = Where(filter, now);
        return connection.ExecuteScalarAsync<int>(new CommandDefinition($"SELECT COUNT(*) FROM deployments d WHERE {where}", parameters, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// The WHERE clause of <paramref name="filter"/>: every part is SQL, so a match past any page is found and counted as
    /// the first one is. The name and tag matches fold case with the store's LOWER (every letter on PostgreSQL, ASCII on
    /// SQLite); a contains-match cannot use a B-tree index, and the list scans and sorts by flow name either way.
    /// </summary>
    private static (string Where, DynamicParameters Parameters) Where(DeploymentListFilter filter, DateTimeOffset now)
    {
        var where = new System.Text.StringBuilder("1 = 1");
        var parameters = new DynamicParameters();
        if (filter.FlowName is not null)
        {
            where.Append($" AND {FlowNamed}");
            parameters.Add("flowName", filter.FlowName);
        }

        if (filter.Served)
        {
            where.Append(" AND d.work_pool_id IS NULL");
        }
        else if (filter.WorkPoolName is not null)
        {
            where.Append($" AND {PoolNamed}");
            parameters.Add("workPoolName", filter.WorkPoolName);
        }

        if (!string.IsNullOrWhiteSpace(filter.NameContains))
        {
            where.Append($" AND LOWER({FlowOf} || '/' || d.name) LIKE LOWER(@nameLike) ESCAPE '\\'");
            parameters.Add("nameLike", LikeContains(filter.NameContains.Trim()));
        }

        if (!string.IsNullOrWhiteSpace(filter.Tag))
        {
            // Tags are stored as a JSON array: the tag's own JSON string (quotes included) matches that tag only.
            where.Append(" AND LOWER(d.tags) LIKE LOWER(@tagLike) ESCAPE '\\'");
            parameters.Add("tagLike", LikeContains(StoredValues.Tags([filter.Tag.Trim()])[1..^1]));
        }

        if (filter.Paused is { } paused)
        {
            where.Append(" AND d.paused = @paused");
            parameters.Add("paused", paused);
        }

        if (filter.Status is { } status)
        {
            // As Statuses.DeploymentStatus derives it: READY when the deployment or its queue polled within the window.
            const string Polled = "(COALESCE(d.last_polled, 0) >= @pollSince OR COALESCE((SELECT q.last_polled FROM work_queues q WHERE q.id = d.work_queue_id), 0) >= @pollSince)";
            where.Append(status switch
            {
                ReadinessStatus.Paused => " AND d.paused = @statusPaused",
                ReadinessStatus.Ready => $" AND d.paused <> @statusPaused AND {Polled}",
                _ => $" AND d.paused <> @statusPaused AND NOT {Polled}",
            });
            parameters.Add("statusPaused", true);
            parameters.Add("pollSince", Ms(now - Domain.Statuses.PollWindow));
        }

        return (where.ToString(), parameters);
    }

    /// <summary>The LIKE pattern (escape character \) of text containing <paramref name="text"/>.</summary>
    public static string LikeContains(string text) =>
        "%" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";

    public static Task UpsertAsync(WriteScope scope, DeploymentRow row, bool exists, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(exists
            ? """
              UPDATE deployments SET entrypoint = @Entrypoint, parameters = @Parameters, parameter_schema = @ParameterSchema,
                  work_pool_id = @WorkPoolId, work_queue_id = @WorkQueueId, job_variables = @JobVariables, tags = @Tags,
                  description = @Description, version = @Version, paused = @Paused, concurrency_limit = @ConcurrencyLimit,
                  collision_strategy = @CollisionStrategy, retries = @Retries, retry_delay_seconds = @RetryDelaySeconds, catch_up = @CatchUp, updated = @Updated,
                  policy_exemptions = @PolicyExemptions, pull_steps = @PullSteps
              WHERE id = @Id
              """
            : """
              INSERT INTO deployments (id, flow_id, name, entrypoint, parameters, parameter_schema, work_pool_id, work_queue_id,
                  job_variables, tags, description, version, paused, concurrency_limit, collision_strategy, retries, retry_delay_seconds, catch_up, created, updated,
                  policy_exemptions, pull_steps)
              VALUES (@Id, @FlowId, @Name, @Entrypoint, @Parameters, @ParameterSchema, @WorkPoolId, @WorkQueueId,
                  @JobVariables, @Tags, @Description, @Version, @Paused, @ConcurrencyLimit, @CollisionStrategy, @Retries, @RetryDelaySeconds, @CatchUp, @Created, @Updated,
                  @PolicyExemptions, @PullSteps)
              """, row, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>Holds the deployment's row for update until the transaction ends (PostgreSQL): the scheduler waits for the change.</summary>
    public static Task LockAsync(WriteScope scope, Guid id, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            $"SELECT id FROM deployments WHERE id = @id {scope.Dialect.RowLockClause}", new { id }, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>Keeps the deployment's row from changing (but not from being read or shared) until the transaction ends (PostgreSQL).</summary>
    public static Task ShareLockAsync(WriteScope scope, Guid id, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            $"SELECT id FROM deployments WHERE id = @deploymentId {scope.Dialect.RowShareClause}", new { deploymentId = id }, scope.Transaction, cancellationToken: cancellationToken));

    public static Task<int?> GetConcurrencyLimitAsync(DbConnection connection, DbTransaction? transaction, Guid id, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<int?>(new CommandDefinition(
            "SELECT concurrency_limit FROM deployments WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken));

    /// <summary>When a serving process last claimed for the deployment (Unix ms); null when never.</summary>
    public static Task<long?> GetLastPolledAsync(DbConnection connection, DbTransaction? transaction, Guid id, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT last_polled FROM deployments WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken));

    public static Task<int> SetPausedAsync(WriteScope scope, Guid id, bool paused, DateTimeOffset now, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE deployments SET paused = @paused, updated = @now WHERE id = @id", new { id, paused, now = Ms(now) },
            scope.Transaction, cancellationToken: cancellationToken));

    public static async Task<int> DeleteAsync(WriteScope scope, Guid id, CancellationToken cancellationToken)
    {
        // Scheduled runs of a deleted deployment could never start; finished runs keep their history.
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM logs WHERE flow_run_id IN (SELECT id FROM flow_runs WHERE deployment_id = @id AND state_type = {Scheduled})",
            new { id }, scope.Transaction, cancellationToken: cancellationToken));
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM flow_runs WHERE deployment_id = @id AND state_type = {Scheduled}", new { id }, scope.Transaction, cancellationToken: cancellationToken));
        return await scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM deployments WHERE id = @id", new { id }, scope.Transaction, cancellationToken: cancellationToken));
    }
}
