using System.Data.Common;
using System.Text;
using System.Text.Json.Nodes;
using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Server.Orchestration;
using Dapper;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>Flow runs: rows, the guarded state transition, and the run-level bookkeeping.</summary>
internal static class FlowRunStore
{
    public const string SelectRun = """
        SELECT r.*, f.name AS flow_name, d.name AS deployment_name, d.concurrency_limit AS deployment_concurrency_limit,
            d.collision_strategy AS deployment_collision_strategy, p.name AS work_pool_name, q.name AS work_queue_name
        FROM flow_runs r
        JOIN flows f ON f.id = r.flow_id
        LEFT JOIN deployments d ON d.id = r.deployment_id
        LEFT JOIN work_pools p ON p.id = r.work_pool_id
        LEFT JOIN work_queues q ON q.id = r.work_queue_id
        """;

    private const string ActiveStates = "('PENDING','RUNNING','CANCELLING')";

    public static async Task<FlowRunRow?> GetAsync(DbConnection connection, Guid id, CancellationToken cancellationToken, DbTransaction? transaction = null) =>
        await connection.QuerySingleOrDefaultAsync<FlowRunRow>(new CommandDefinition(
            SelectRun + " WHERE r.id = @id", new { id }, transaction, cancellationToken: cancellationToken));

    public static async Task<FlowRunRow?> FindByIdempotencyKeyAsync(WriteScope scope, Guid flowId, string key, CancellationToken cancellationToken) =>
        await scope.Connection.QuerySingleOrDefaultAsync<FlowRunRow>(new CommandDefinition(
            SelectRun + " WHERE r.flow_id = @flowId AND r.idempotency_key = @key", new { flowId, key }, scope.Transaction,
            cancellationToken: cancellationToken));

    /// <summary>Inserts the run; with an idempotency key already taken (a concurrent insert), inserts nothing and returns false.</summary>
    public static async Task<bool> InsertAsync(WriteScope scope, FlowRunRow row, CancellationToken cancellationToken)
    {
        var inserted = await scope.Connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO flow_runs (id, name, flow_id, deployment_id, work_pool_id, work_queue_id, parameters, job_variables, tags,
                state_id, state_type, state_name, state_message, state_timestamp, state_scheduled_time, expected_start_time,
                next_scheduled_start_time, idempotency_key, retries, retry_delay_seconds, schedule_id, created, updated)
            VALUES (@Id, @Name, @FlowId, @DeploymentId, @WorkPoolId, @WorkQueueId, @Parameters, @JobVariables, @Tags,
                @StateId, @StateType, @StateName, @StateMessage, @StateTimestamp, @StateScheduledTime, @ExpectedStartTime,
                @NextScheduledStartTime, @IdempotencyKey, @Retries, @RetryDelaySeconds, @ScheduleId, @Created, @Updated)
            ON CONFLICT DO NOTHING
            """, row, scope.Transaction, cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            return false;
        }

        await InsertStateAsync(scope, row.Id, row.State, cancellationToken);
        return true;
    }

    /// <summary>A new SCHEDULED run of <paramref name="deployment"/> due at <paramref name="scheduled"/> (not yet inserted).</summary>
    public static FlowRunRow NewScheduledRun(
        DeploymentRow deployment, JsonObject parameters, JsonObject? jobVariables, IEnumerable<string> tags, DateTimeOffset scheduled, DateTimeOffset now,
        string? name = null, string? idempotencyKey = null, int? retries = null, int? retryDelaySeconds = null, Guid? queueId = null, Guid? scheduleId = null)
    {
        var stateId = Guid.NewGuid();
        return new FlowRunRow
        {
            Id = Guid.NewGuid(),
            Name = string.IsNullOrWhiteSpace(name) ? Orchestration.RunNames.Next() : name,
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
            Created = Ms(now),
            Updated = Ms(now),
        };
    }

    public static async Task<Page<FlowRunSummary>> ListAsync(DbConnection connection, FlowRunFilter filter, CancellationToken cancellationToken)
    {
        var where = new StringBuilder(" WHERE 1 = 1");
        var parameters = new DynamicParameters();
        if (filter.States is { Count: > 0 } states)
        {
            where.Append($" AND {In(connection, "r.state_type", "states")}");
            parameters.Add("states", states.Select(state => state.ToWireName()).ToArray());
        }

        if (filter.DeploymentId is { } deploymentId)
        {
            where.Append(" AND r.deployment_id = @deploymentId");
            parameters.Add("deploymentId", deploymentId);
        }

        if (!string.IsNullOrEmpty(filter.FlowName))
        {
            where.Append(" AND f.name = @flowName");
            parameters.Add("flowName", filter.FlowName);
        }

        if (!string.IsNullOrEmpty(filter.WorkPoolName))
        {
            where.Append(" AND p.name = @poolName");
            parameters.Add("poolName", filter.WorkPoolName);
        }

        if (!string.IsNullOrEmpty(filter.WorkQueueName))
        {
            where.Append(" AND q.name = @queueName");
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

        parameters.Add("limit", filter.Limit);
        parameters.Add("offset", filter.Offset);
        var rows = await connection.QueryAsync<FlowRunRow>(new CommandDefinition(
            SelectRun + where + " ORDER BY r.expected_start_time DESC, r.id LIMIT @limit OFFSET @offset", parameters,
            cancellationToken: cancellationToken));
        var total = await connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            SELECT COUNT(*) FROM flow_runs r
            JOIN flows f ON f.id = r.flow_id
            LEFT JOIN work_pools p ON p.id = r.work_pool_id
            LEFT JOIN work_queues q ON q.id = r.work_queue_id
            """ + where, parameters, cancellationToken: cancellationToken));
        return new Page<FlowRunSummary>(rows.Select(row => row.ToSummary()).ToList(), total, filter.Offset, filter.Limit);
    }

    public static async Task<IReadOnlyList<FlowRunState>> HistoryAsync(DbConnection connection, Guid runId, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<StateRow>(new CommandDefinition(
            "SELECT id, type, name, message, timestamp, scheduled_time FROM flow_run_states WHERE flow_run_id = @runId ORDER BY seq",
            new { runId }, cancellationToken: cancellationToken));
        return rows.Select(row => row.ToContract()).ToList();
    }

    /// <summary>
    /// The one guarded state change (CONVENTIONS): reads and locks the run inside the caller's write transaction, then
    /// <see cref="TransitionAsync"/>. Null when the run does not exist.
    /// </summary>
    public static async Task<TransitionOutcome?> TryTransitionAsync(
        WriteScope scope, Guid runId, StateProposal proposal, DateTimeOffset now, CancellationToken cancellationToken,
        string? claimingWorker = null, StateType? expectedType = null)
    {
        var row = await scope.Connection.QuerySingleOrDefaultAsync<FlowRunRow>(new CommandDefinition(
            $"{SelectRun} WHERE r.id = @runId {scope.Dialect.RowLockOf("r")}", new { runId }, scope.Transaction, cancellationToken: cancellationToken));
        return row is null ? null : await TransitionAsync(scope, row, proposal, now, cancellationToken, claimingWorker, expectedType);
    }

    /// <summary>
    /// Asks <see cref="StateRules"/> about <paramref name="row"/> (read with <see cref="SelectRun"/> and locked in this
    /// transaction) and writes the verdict with its bookkeeping, conditioned on the state read. On success the row
    /// object is brought up to date with what was written.
    /// </summary>
    public static async Task<TransitionOutcome> TransitionAsync(
        WriteScope scope, FlowRunRow row, StateProposal proposal, DateTimeOffset now, CancellationToken cancellationToken,
        string? claimingWorker = null, StateType? expectedType = null)
    {
        var current = row.State;
        if (expectedType is { } expected && current.Type != expected)
        {
            return new TransitionOutcome(row,
                new SetStateResult(SetStateStatus.Abort, current, $"run is {current.Type.ToWireName()}, not {expected.ToWireName()}"),
                false);
        }

        var snapshot = new RunSnapshot(current, row.DeploymentId is not null, row.InfrastructureId, row.RunCount, row.Retries, row.RetryDelaySeconds);
        if (proposal.Type == StateType.Pending && !proposal.Force && row is { DeploymentId: { } deploymentId, DeploymentConcurrencyLimit: not null }
            && !current.Type.HoldsSlot())
        {
            // Only a limited deployment's row serializes the moves to PENDING of its runs: lock it, then read the limit
            // and count the slots afresh (a statement after the lock sees every move committed before it).
            await scope.Connection.ExecuteAsync(new CommandDefinition(
                $"SELECT id FROM deployments WHERE id = @deploymentId {scope.Dialect.RowLockClause}", new { deploymentId }, scope.Transaction, cancellationToken: cancellationToken));
            var limits = await scope.Connection.QuerySingleOrDefaultAsync<(int? Limit, string Strategy, int InUse)>(new CommandDefinition(
                $"""
                SELECT d.concurrency_limit, d.collision_strategy,
                    (SELECT COUNT(*) FROM flow_runs r WHERE r.deployment_id = d.id AND r.state_type IN {ActiveStates})
                FROM deployments d WHERE d.id = @deploymentId
                """,
                new { deploymentId }, scope.Transaction, cancellationToken: cancellationToken));
            if (limits.Limit is { } limit)
            {
                snapshot = snapshot with
                {
                    DeploymentConcurrencyLimit = limit,
                    CollisionStrategy = limits.Strategy == "CANCEL_NEW" ? CollisionStrategy.CancelNew : CollisionStrategy.Enqueue,
                    DeploymentSlotsInUse = limits.InUse,
                };
            }
        }

        var decision = StateRules.Decide(snapshot, proposal, now);
        if (decision.StateToWrite is not { } next)
        {
            return new TransitionOutcome(row, new SetStateResult(decision.Status, current, decision.Reason, decision.RetryAfterSeconds), false);
        }

        var update = new
        {
            id = row.Id,
            expectedStateId = current.Id,
            stateId = next.Id,
            type = next.Type.ToWireName(),
            name = next.Name,
            message = next.Message,
            timestamp = Ms(next.Timestamp),
            scheduled = Ms(next.ScheduledTime),
            nextScheduled = next.Type == StateType.Scheduled ? Ms(next.ScheduledTime ?? now) : (long?)null,
            startTime = next.Type == StateType.Running ? row.StartTime ?? Ms(now) : row.StartTime,
            endTime = next.Type.IsTerminal() ? Ms(now) : (long?)null,
            totalRunTimeMs = row.TotalRunTimeMs + (current.Type == StateType.Running ? Math.Max(0, Ms(now) - row.StateTimestamp) : 0),
            runCount = row.RunCount + (next.Type == StateType.Running && current.Type != StateType.Running ? 1 : 0),
            workerName = next.Type == StateType.Pending && current.Type != StateType.Pending ? claimingWorker ?? row.WorkerName : row.WorkerName,
            // A run scheduled again (retry by hand) gets new infrastructure; the old id would be misleading.
            infrastructureId = next.Type == StateType.Scheduled && current.Type.IsTerminal() ? null : row.InfrastructureId,
        };

        // One round trip: the guarded update, and the history row only when the update took (then the run has the new
        // state's id). Rows affected: 2, or 0 when another writer moved the run since it was read.
        var changed = await scope.Connection.ExecuteAsync(new CommandDefinition("""
            UPDATE flow_runs SET state_id = @stateId, state_type = @type, state_name = @name, state_message = @message,
                state_timestamp = @timestamp, state_scheduled_time = @scheduled, next_scheduled_start_time = @nextScheduled,
                start_time = @startTime, end_time = @endTime, total_run_time_ms = @totalRunTimeMs, run_count = @runCount,
                worker_name = @workerName, infrastructure_id = @infrastructureId, updated = @timestamp
            WHERE id = @id AND state_id = @expectedStateId;
            INSERT INTO flow_run_states (id, flow_run_id, type, name, message, timestamp, scheduled_time)
            SELECT @stateId, @id, @type, @name, @message, @timestamp, @scheduled
            WHERE EXISTS (SELECT 1 FROM flow_runs WHERE id = @id AND state_id = @stateId)
            """, update, scope.Transaction, cancellationToken: cancellationToken));
        if (changed == 0)
        {
            // Another writer moved the run between our read and write (only possible on a multi-writer store).
            var latest = await GetAsync(scope.Connection, row.Id, cancellationToken, scope.Transaction);
            return new TransitionOutcome(latest ?? row,
                new SetStateResult(SetStateStatus.Abort, (latest ?? row).State, "the run's state changed concurrently; read it and propose again"),
                false);
        }

        (row.StateId, row.StateType, row.StateName, row.StateMessage, row.StateTimestamp, row.StateScheduledTime) =
            (update.stateId, update.type, update.name, update.message, update.timestamp, update.scheduled);
        (row.NextScheduledStartTime, row.StartTime, row.EndTime, row.TotalRunTimeMs, row.RunCount, row.WorkerName, row.InfrastructureId, row.Updated) =
            (update.nextScheduled, update.startTime, update.endTime, update.totalRunTimeMs, update.runCount, update.workerName, update.infrastructureId, update.timestamp);
        var wakesClaims = next.Type == StateType.Scheduled || (current.Type.HoldsSlot() && !next.Type.HoldsSlot());
        return new TransitionOutcome(row, new SetStateResult(decision.Status, next, decision.Reason), wakesClaims);
    }

    public static async Task<int> SetInfrastructureAsync(WriteScope scope, Guid runId, string infrastructureId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE flow_runs SET infrastructure_id = @infrastructureId, updated = @now WHERE id = @runId",
            new { runId, infrastructureId, now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken));

    public static async Task<int> HeartbeatAsync(WriteScope scope, Guid runId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE flow_runs SET last_heartbeat = @now WHERE id = @runId",
            new { runId, now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken));

    public static async Task<int> DeleteAsync(WriteScope scope, Guid runId, CancellationToken cancellationToken)
    {
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM logs WHERE flow_run_id = @runId", new { runId }, scope.Transaction, cancellationToken: cancellationToken));
        return await scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM flow_runs WHERE id = @runId", new { runId }, scope.Transaction, cancellationToken: cancellationToken));
    }

    private static async Task InsertStateAsync(WriteScope scope, Guid runId, FlowRunState state, CancellationToken cancellationToken) =>
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO flow_run_states (id, flow_run_id, type, name, message, timestamp, scheduled_time) VALUES (@id, @runId, @type, @name, @message, @timestamp, @scheduled)",
            new
            {
                id = state.Id,
                runId,
                type = state.Type.ToWireName(),
                name = state.Name,
                message = state.Message,
                timestamp = Ms(state.Timestamp),
                scheduled = Ms(state.ScheduledTime),
            },
            scope.Transaction, cancellationToken: cancellationToken));
}
