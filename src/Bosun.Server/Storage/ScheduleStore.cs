using System.Data.Common;
using Bosun.Contracts.Schedules;
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

    /// <summary>Active schedules of deployments that are not paused: what the scheduler works on.</summary>
    public static async Task<IReadOnlyList<(ScheduleRow Schedule, DeploymentRow Deployment)>> ActiveAsync(DbConnection connection, DbTransaction? transaction = null, CancellationToken cancellationToken = default)
    {
        var rows = await connection.QueryAsync<ScheduleRow, DeploymentRow, (ScheduleRow, DeploymentRow)>(new CommandDefinition($"""
            SELECT s.*, d.*, f.name AS flow_name FROM deployment_schedules s
            JOIN deployments d ON d.id = s.deployment_id
            JOIN flows f ON f.id = d.flow_id
            WHERE s.active = TRUE AND d.paused = FALSE
            ORDER BY s.deployment_id, s.id
            """, transaction: transaction, cancellationToken: cancellationToken), (s, d) => (s, d), splitOn: "id");
        return rows.ToList();
    }

    /// <summary>The active schedules of one deployment.</summary>
    public static async Task<IReadOnlyList<ScheduleRow>> ActiveOfAsync(DbConnection connection, Guid deploymentId, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<ScheduleRow>(new CommandDefinition(
            "SELECT * FROM deployment_schedules WHERE deployment_id = @deploymentId AND active = TRUE ORDER BY created, id",
            new { deploymentId }, cancellationToken: cancellationToken))).ToList();

    /// <summary>Whether the schedule is still active and its deployment not paused, as this transaction sees them.</summary>
    public static async Task<bool> IsActiveAsync(WriteScope scope, Guid scheduleId, CancellationToken cancellationToken) =>
        await scope.Connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            SELECT COUNT(*) FROM deployment_schedules s JOIN deployments d ON d.id = s.deployment_id
            WHERE s.id = @scheduleId AND s.active = TRUE AND d.paused = FALSE
            """, new { scheduleId }, scope.Transaction, cancellationToken: cancellationToken)) > 0;

    /// <summary>The runs the deployment's schedules created that are due by <paramref name="now"/> and still SCHEDULED, earliest first.</summary>
    public static async Task<IReadOnlyList<(Guid Id, long Due)>> DueRunsAsync(WriteScope scope, Guid deploymentId, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await scope.Connection.QueryAsync<(Guid Id, long Due)>(new CommandDefinition($"""
            SELECT id, next_scheduled_start_time FROM flow_runs
            WHERE deployment_id = @deploymentId AND schedule_id IS NOT NULL AND state_type = {Scheduled}
              AND next_scheduled_start_time <= @now
            ORDER BY next_scheduled_start_time
            """, new { deploymentId, now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken))).ToList();

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
