using System.Data.Common;
using Bosun.Contracts.Logs;
using Bosun.Contracts.Schedules;
using Bosun.Contracts.States;
using Bosun.Server.Domain;
using Dapper;
using static Bosun.Server.Storage.StateSql;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>Deployment schedules, and the scheduled runs they own.</summary>
internal static class ScheduleStore
{
    public static async Task<Dictionary<Guid, List<DeploymentSchedule>>> ListForAsync(DbConnection connection, IReadOnlyCollection<Guid> deploymentIds, DbTransaction? transaction = null, CancellationToken cancellationToken = default)
    {
        var result = deploymentIds.Distinct().ToDictionary(id => id, _ => new List<DeploymentSchedule>());
        if (result.Count == 0)
        {
            return result;
        }

        var rows = await connection.QueryAsync<ScheduleRow>(new CommandDefinition(
            SelectForDeployments(In(connection, "deployment_id", "ids")), new { ids = Ids(result.Keys) }, transaction, cancellationToken: cancellationToken));
        return GroupByDeployment(result.Keys, rows);
    }

    /// <summary>The schedules of the deployments <paramref name="where"/> picks (a condition on deployment_id), in the order they are shown.</summary>
    public static string SelectForDeployments(string where) => $"SELECT * FROM deployment_schedules WHERE {where} ORDER BY created, id";

    /// <summary>Schedules by deployment: every one of <paramref name="deploymentIds"/> has a list, empty when it has none.</summary>
    public static Dictionary<Guid, List<DeploymentSchedule>> GroupByDeployment(IEnumerable<Guid> deploymentIds, IEnumerable<ScheduleRow> rows)
    {
        var result = deploymentIds.Distinct().ToDictionary(id => id, _ => new List<DeploymentSchedule>());
        foreach (var row in rows)
        {
            result[row.DeploymentId].Add(row.ToContract());
        }

        return result;
    }

    public static Task<ScheduleRow?> GetAsync(DbConnection connection, Guid deploymentId, Guid scheduleId, DbTransaction? transaction = null, CancellationToken cancellationToken = default) =>
        connection.QuerySingleOrDefaultAsync<ScheduleRow?>(new CommandDefinition(
            "SELECT * FROM deployment_schedules WHERE id = @scheduleId AND deployment_id = @deploymentId",
            new { scheduleId, deploymentId }, transaction, cancellationToken: cancellationToken));

    public static Task<ScheduleRow?> GetByIdAsync(DbConnection connection, Guid scheduleId, DbTransaction? transaction = null, CancellationToken cancellationToken = default) =>
        connection.QuerySingleOrDefaultAsync<ScheduleRow?>(new CommandDefinition(
            "SELECT * FROM deployment_schedules WHERE id = @scheduleId", new { scheduleId }, transaction, cancellationToken: cancellationToken));

    private const string ActiveJoin = """
        FROM deployment_schedules s
        JOIN deployments d ON d.id = s.deployment_id
        JOIN flows f ON f.id = d.flow_id
        WHERE s.active = TRUE AND d.paused = FALSE
        """;

    private const string SelectActive = "SELECT s.*, d.*, f.name AS flow_name " + ActiveJoin;

    /// <summary>
    /// Active schedules of deployments that are not paused, by id: what the scheduler works on (it reads each one whole
    /// once it holds its deployment's row, see <see cref="ActiveAsync(WriteScope, Guid, CancellationToken)"/>).
    /// </summary>
    public static async Task<IReadOnlyList<(Guid ScheduleId, Guid DeploymentId)>> ActiveIdsAsync(DbConnection connection, DbTransaction? transaction = null, CancellationToken cancellationToken = default) =>
        (await connection.QueryAsync<(Guid, Guid)>(new CommandDefinition(
            "SELECT s.id, s.deployment_id " + ActiveJoin + " ORDER BY s.deployment_id, s.id", transaction: transaction, cancellationToken: cancellationToken))).ToList();

    /// <summary>
    /// One schedule and its deployment as this transaction sees them now, or null when the schedule is no longer active or
    /// its deployment is paused (the scheduler reads them again once it holds the deployment's row).
    /// </summary>
    public static async Task<(ScheduleRow Schedule, DeploymentRow Deployment)?> ActiveAsync(WriteScope scope, Guid scheduleId, CancellationToken cancellationToken)
    {
        var rows = await scope.Connection.QueryAsync<ScheduleRow, DeploymentRow, (ScheduleRow, DeploymentRow)>(new CommandDefinition(
            SelectActive + " AND s.id = @scheduleId", new { scheduleId }, scope.Transaction, cancellationToken: cancellationToken), (s, d) => (s, d), splitOn: "id");
        return rows.Select(row => ((ScheduleRow, DeploymentRow)?)row).SingleOrDefault();
    }

    /// <summary>The active schedules of one deployment.</summary>
    public static async Task<IReadOnlyList<ScheduleRow>> ActiveOfAsync(DbConnection connection, Guid deploymentId, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<ScheduleRow>(new CommandDefinition(
            "SELECT * FROM deployment_schedules WHERE deployment_id = @deploymentId AND active = TRUE ORDER BY created, id",
            new { deploymentId }, cancellationToken: cancellationToken))).ToList();

    /// <summary>A schedule's runs still waiting (SCHEDULED, not a retry) that were due before <paramref name="before"/>, earliest first.</summary>
    public static async Task<IReadOnlyList<(Guid Id, long Due)>> WaitingRunsDueBeforeAsync(WriteScope scope, Guid scheduleId, DateTimeOffset before, CancellationToken cancellationToken) =>
        (await scope.Connection.QueryAsync<(Guid Id, long Due)>(new CommandDefinition($"""
            SELECT id, next_scheduled_start_time FROM flow_runs
            WHERE schedule_id = @scheduleId AND state_type = {Scheduled} AND state_name <> '{StateNames.AwaitingRetry}' AND next_scheduled_start_time < @before
            ORDER BY next_scheduled_start_time, id
            """, new { scheduleId, before = Ms(before) }, scope.Transaction, cancellationToken: cancellationToken))).ToList();

    /// <summary>
    /// Where a schedule's runs due by <paramref name="now"/> stand (skipped ones left out): the earliest still waiting
    /// (SCHEDULED, not a retry), the latest in any state, and the latest that left the wait (claimed, ran, finished);
    /// nulls when there are none.
    /// </summary>
    public static Task<(long? EarliestWaiting, long? LatestDue, long? LatestStarted)> DueSpanAsync(WriteScope scope, Guid scheduleId, DateTimeOffset now, CancellationToken cancellationToken) =>
        scope.Connection.QuerySingleAsync<(long?, long?, long?)>(new CommandDefinition($"""
            SELECT MIN(CASE WHEN {Waiting} THEN expected_start_time END), MAX(expected_start_time), MAX(CASE WHEN NOT ({Waiting}) THEN expected_start_time END)
            FROM flow_runs
            WHERE schedule_id = @scheduleId AND expected_start_time <= @now AND state_name <> '{StateNames.Skipped}'
            """, new { scheduleId, now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>A run still waiting to be claimed: SCHEDULED, and not a retry its own process will make.</summary>
    private static readonly string Waiting = $"state_type = {Scheduled} AND state_name <> '{StateNames.AwaitingRetry}'";

    /// <summary>
    /// Counts <paramref name="count"/> skipped times of a schedule on it and on its deployment, and keeps
    /// <paramref name="recorded"/> of them (with their runs, if they had one); a deployment keeps its newest 100.
    /// </summary>
    public static async Task RecordSkippedAsync(
        WriteScope scope, Guid deploymentId, Guid scheduleId, string catchUp, int count, IReadOnlyList<(DateTimeOffset Time, Guid? RunId)> recorded, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return;
        }

        await scope.Connection.ExecuteAsync(new CommandDefinition("""
            UPDATE deployments SET skipped_runs = skipped_runs + @count, last_skipped_time = @now WHERE id = @deploymentId;
            UPDATE deployment_schedules SET skipped_runs = skipped_runs + @count WHERE id = @scheduleId
            """, new { deploymentId, scheduleId, count, now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken));
        await scope.Connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO skipped_runs (id, deployment_id, schedule_id, scheduled_time, flow_run_id, catch_up, skipped_at)
            VALUES (@Id, @DeploymentId, @ScheduleId, @ScheduledTime, @FlowRunId, @CatchUp, @SkippedAt)
            """, recorded.TakeLast(RecentSkippedKept).Select(skip => new
        {
            Id = Guid.NewGuid(),
            DeploymentId = deploymentId,
            ScheduleId = scheduleId,
            ScheduledTime = Ms(skip.Time),
            FlowRunId = skip.RunId,
            CatchUp = catchUp,
            SkippedAt = Ms(now),
        }), scope.Transaction, cancellationToken: cancellationToken));
        await scope.Connection.ExecuteAsync(new CommandDefinition($"""
            DELETE FROM skipped_runs WHERE deployment_id = @deploymentId AND id NOT IN (
                SELECT id FROM skipped_runs WHERE deployment_id = @deploymentId ORDER BY scheduled_time DESC, skipped_at DESC LIMIT {RecentSkippedKept})
            """, new { deploymentId }, scope.Transaction, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Skips a waiting run its deployment's catch-up policy does not run: CANCELLED, named Skipped, through the guarded
    /// transition, with a line in its log. False when it had moved on meanwhile (a worker took it).
    /// </summary>
    public static async Task<bool> SkipWaitingRunAsync(WriteScope scope, Guid runId, CatchUpPolicy policy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var message = $"skipped: missed during an outage (catch-up policy {Contracts.EnumNames.Of(policy)})";
        var outcome = await FlowRunStore.TryTransitionAsync(scope, runId, new StateProposal(StateType.Cancelled, StateNames.Skipped, message),
            now, expectedType: StateType.Scheduled, cancellationToken: cancellationToken);
        if (outcome is not { Result.Status: SetStateStatus.Accept })
        {
            return false;
        }

        await LogStore.InsertAsync(scope, [new LogCreate(runId, now, RunLogLevel.Warning, $"Run {message}.", LogSource.Server)], cancellationToken);
        return true;
    }

    /// <summary>How many skipped times a deployment keeps with their times.</summary>
    public const int RecentSkippedKept = 100;

    /// <summary>The newest <paramref name="perDeployment"/> skipped times of each deployment, newest first.</summary>
    public static async Task<Dictionary<Guid, List<Contracts.Schedules.SkippedRun>>> RecentSkippedAsync(
        DbConnection connection, IReadOnlyCollection<Guid> deploymentIds, int perDeployment, DbTransaction? transaction = null, CancellationToken cancellationToken = default)
    {
        var result = deploymentIds.Distinct().ToDictionary(id => id, _ => new List<Contracts.Schedules.SkippedRun>());
        if (result.Count == 0)
        {
            return result;
        }

        var rows = await connection.QueryAsync<SkippedRunRow>(new CommandDefinition($"""
            SELECT deployment_id, schedule_id, scheduled_time, flow_run_id, catch_up, skipped_at FROM (
                SELECT s.*, ROW_NUMBER() OVER (PARTITION BY deployment_id ORDER BY scheduled_time DESC, skipped_at DESC) AS n
                FROM skipped_runs s WHERE {In(connection, "deployment_id", "ids")}) newest
            WHERE n <= {perDeployment}
            ORDER BY scheduled_time DESC, skipped_at DESC
            """, new { ids = Ids(result.Keys) }, transaction, cancellationToken: cancellationToken));
        foreach (var row in rows)
        {
            result[row.DeploymentId].Add(row.ToContract());
        }

        return result;
    }

    public static Task InsertAsync(WriteScope scope, Guid deploymentId, ScheduleDefinition definition, ScheduleSpec spec, DateTimeOffset now, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO deployment_schedules (id, deployment_id, kind, cron, interval_seconds, anchor, rrule, timezone, active, parameters, last_scheduled_time, created, updated)
            VALUES (@id, @deploymentId, @kind, @cron, @interval, @anchor, @rrule, @timezone, @active, @parameters, NULL, @now, @now)
            """, new
        {
            id = definition.Id,
            deploymentId,
            kind = definition.Kind,
            cron = definition.Cron,
            interval = definition.IntervalSeconds,
            anchor = Ms(definition.Anchor),
            rrule = definition.RRule,
            timezone = definition.Timezone,
            active = spec.Active,
            parameters = JsonText(spec.Parameters),
            now = Ms(now),
        }, scope.Transaction, cancellationToken: cancellationToken));

    public static Task<int> SetActiveAsync(WriteScope scope, Guid scheduleId, bool active, DateTimeOffset now, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE deployment_schedules SET active = @active, last_scheduled_time = NULL, updated = @now WHERE id = @scheduleId",
            new { scheduleId, active, now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken));

    public static Task<int> SetLastScheduledAsync(WriteScope scope, Guid scheduleId, DateTimeOffset time, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE deployment_schedules SET last_scheduled_time = @time WHERE id = @scheduleId",
            new { scheduleId, time = Ms(time) }, scope.Transaction, cancellationToken: cancellationToken));

    public static Task<int> DeleteAsync(WriteScope scope, Guid scheduleId, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM deployment_schedules WHERE id = @scheduleId", new { scheduleId }, scope.Transaction, cancellationToken: cancellationToken));

    public static Task<int> DeleteAllOfAsync(WriteScope scope, Guid deploymentId, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM deployment_schedules WHERE deployment_id = @deploymentId", new { deploymentId }, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Deletes the runs a deployment's schedules created that have not started and are still in the future (a changed
    /// or paused deployment gets fresh ones); forgets where each schedule got to, so that the scheduler starts over.
    /// </summary>
    public static async Task<int> DeleteFutureRunsAsync(WriteScope scope, Guid deploymentId, DateTimeOffset now, Guid? scheduleId = null, CancellationToken cancellationToken = default)
    {
        var filter = $"""
            deployment_id = @deploymentId AND schedule_id IS NOT NULL AND (CAST(@scheduleId AS TEXT) IS NULL OR schedule_id = @scheduleId)
              AND state_type = {Scheduled} AND next_scheduled_start_time > @now
            """;
        var parameters = new { deploymentId, scheduleId, now = Ms(now) };
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM logs WHERE flow_run_id IN (SELECT id FROM flow_runs WHERE {filter})", parameters, scope.Transaction, cancellationToken: cancellationToken));
        var deleted = await scope.Connection.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM flow_runs WHERE {filter}", parameters, scope.Transaction, cancellationToken: cancellationToken));
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE deployment_schedules SET last_scheduled_time = NULL WHERE deployment_id = @deploymentId AND (CAST(@scheduleId AS TEXT) IS NULL OR id = @scheduleId)",
            new { deploymentId, scheduleId }, scope.Transaction, cancellationToken: cancellationToken));
        return deleted;
    }
}
