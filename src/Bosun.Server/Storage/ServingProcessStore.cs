using Dapper;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>
/// Serving processes' signs of life: the time each last claimed, for its deployments (their status) and for itself (the
/// runs it claimed, judged by <see cref="Domain.AbandonedRuns"/> until they heartbeat). Both are written at most once a
/// second, as queues' polls are.
/// </summary>
internal static class ServingProcessStore
{
    /// <summary>How long a serving process not heard from is remembered (never less than twice the worker timeout).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    /// <summary>Records that <paramref name="processName"/> claimed for <paramref name="deploymentIds"/> at <paramref name="now"/>, in one round trip.</summary>
    public static Task<int> PolledAsync(WriteScope scope, string processName, IReadOnlyList<Guid> deploymentIds, DateTimeOffset now, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition($"""
            UPDATE deployments SET last_polled = @now WHERE {In(scope.Connection, "id", "ids")} AND (last_polled IS NULL OR last_polled < @now - 1000);
            INSERT INTO serving_processes (name, last_polled) VALUES (@name, @now)
            ON CONFLICT (name) DO UPDATE SET last_polled = excluded.last_polled WHERE serving_processes.last_polled < excluded.last_polled - 1000
            """, new { ids = Ids(deploymentIds), name = processName, now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>The statement forgetting serving processes not heard from since @before (served by ix_serving_processes_last_polled).</summary>
    public const string ForgetSql = "DELETE FROM serving_processes WHERE last_polled < @before";

    /// <summary>Forgets the serving processes not heard from since <paramref name="before"/>.</summary>
    public static Task<int> ForgetAsync(WriteScope scope, DateTimeOffset before, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(ForgetSql, new { before = Ms(before) }, scope.Transaction, cancellationToken: cancellationToken));
}
