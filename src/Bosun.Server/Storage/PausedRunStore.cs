using Bosun.Contracts.States;
using Dapper;
using static Bosun.Server.Storage.StateSql;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>
/// Paused runs: a PAUSED run holds no concurrency slot (its state is not one of <see cref="HoldingSlot"/>), so a resume
/// must take one again under the same locks a claim counts under; and a pause's timeout is the server's to enforce.
/// </summary>
internal static class PausedRunStore
{
    /// <summary>
    /// Locks the limits a resumed run takes a slot of — its work pool's, its work queue's, its deployment's, in the order a
    /// claim locks them, so the two cannot deadlock — and returns the first that is full, or null when a slot is free.
    /// The locks hold until the transaction ends, so a run moved to RUNNING in it cannot overshoot a limit a claim counts.
    /// </summary>
    public static async Task<SlotScope?> LockFullLimitAsync(WriteScope scope, FlowRunRow run, CancellationToken cancellationToken)
    {
        if (run.WorkPoolId is { } poolId)
        {
            var poolLock = scope.Dialect.PoolLockStatement(exclusive: true);
            if (poolLock.Length > 0)
            {
                await scope.Connection.ExecuteAsync(new CommandDefinition(poolLock, new { poolId }, scope.Transaction, cancellationToken: cancellationToken));
            }

            if (await IsFullAsync(scope, "work_pools", "work_pool_id", poolId, cancellationToken))
            {
                return SlotScope.WorkPool;
            }
        }

        if (run.WorkQueueId is { } queueId)
        {
            await scope.Connection.ExecuteAsync(new CommandDefinition(
                $"SELECT id FROM work_queues WHERE id = @queueId {scope.Dialect.RowLockClause}", new { queueId }, scope.Transaction, cancellationToken: cancellationToken));
            if (await IsFullAsync(scope, "work_queues", "work_queue_id", queueId, cancellationToken))
            {
                return SlotScope.WorkQueue;
            }
        }

        if (run.DeploymentId is { } deploymentId
            && await FlowRunStore.LockDeploymentSlotsAsync(scope, deploymentId, cancellationToken) is { Limit: { } limit } slots && slots.InUse >= limit)
        {
            return SlotScope.Deployment;
        }

        return null;
    }

    private static async Task<bool> IsFullAsync(WriteScope scope, string table, string column, Guid id, CancellationToken cancellationToken) =>
        await scope.Connection.ExecuteScalarAsync<int>(new CommandDefinition($"""
            SELECT CASE WHEN t.concurrency_limit IS NOT NULL
                AND (SELECT COUNT(*) FROM flow_runs r WHERE r.{column} = t.id AND r.state_type IN {HoldingSlot}) >= t.concurrency_limit THEN 1 ELSE 0 END
            FROM {table} t WHERE t.id = @id
            """, new { id }, scope.Transaction, cancellationToken: cancellationToken)) == 1;

    /// <summary>Up to 500 PAUSED runs whose pause's timeout has passed at <paramref name="now"/>, with that timeout.</summary>
    public static async Task<IReadOnlyList<(Guid Id, string Name, long Timeout)>> TimedOutAsync(WriteScope scope, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await scope.Connection.QueryAsync<(Guid, string, long)>(new CommandDefinition($"""
            SELECT id, name, pause_timeout FROM flow_runs
            WHERE state_type = {Paused} AND pause_timeout IS NOT NULL AND pause_timeout < @now
            LIMIT 500
            """, new { now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken))).ToList();

    /// <summary>Up to 100 runs resumed while their limits were full and still waiting for a slot, in the order they were resumed.</summary>
    public static async Task<IReadOnlyList<Guid>> AwaitingSlotAsync(WriteScope scope, CancellationToken cancellationToken) =>
        (await scope.Connection.QueryAsync<Guid>(new CommandDefinition($"""
            SELECT id FROM flow_runs
            WHERE state_type = {Paused} AND state_name = '{StateNames.AwaitingConcurrencySlot}'
            ORDER BY state_timestamp, id
            LIMIT 100
            """, null, scope.Transaction, cancellationToken: cancellationToken))).ToList();
}
