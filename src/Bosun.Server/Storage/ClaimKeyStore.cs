using Dapper;
using static Bosun.Server.Storage.StateSql;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>
/// The runs each keyed claim took (its Idempotency-Key), kept for <see cref="Retention"/>: a claim sent again after its
/// answer was lost gets the runs the first one took, as they are now, rather than taking others while those stay with a
/// worker that never heard of them.
/// </summary>
internal static class ClaimKeyStore
{
    /// <summary>How long a claim's key is remembered; a claim resent later is answered as a new one.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    /// <summary>The ids of the runs the claim with <paramref name="key"/> took for <paramref name="claimant"/>; null when there was none.</summary>
    public static async Task<List<Guid>?> FindAsync(WriteScope scope, string key, string claimant, CancellationToken cancellationToken)
    {
        var ids = await scope.Connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT run_ids FROM claim_keys WHERE id = @key AND claimant = @claimant", new { key, claimant }, scope.Transaction, cancellationToken: cancellationToken));
        return ids?.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse).ToList();
    }

    /// <summary>Records that the claim with <paramref name="key"/> took <paramref name="runs"/>, in the claim's own transaction.</summary>
    public static Task RecordAsync(WriteScope scope, string key, string claimant, IReadOnlyList<FlowRunRow> runs, DateTimeOffset now, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO claim_keys (id, claimant, run_ids, created) VALUES (@key, @claimant, @ids, @now) ON CONFLICT (id) DO NOTHING",
            new { key, claimant, ids = string.Join(',', runs.Select(run => run.Id.ToString("D"))), now = Ms(now) }, scope.Transaction,
            cancellationToken: cancellationToken));

    /// <summary>
    /// The runs of <paramref name="ids"/> that are still <paramref name="claimant"/>'s (PENDING or RUNNING, claimed by it),
    /// as they are now and in the order the claim took them, with their deployments: the answer the lost one would have
    /// been, less what changed since.
    /// </summary>
    public static async Task<ClaimOutcome> ReplayAsync(WriteScope scope, WorkPoolRow? pool, List<Guid> ids, string claimant, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var runs = (await scope.Connection.QueryAsync<FlowRunRow>(new CommandDefinition(
            $"{FlowRunStore.SelectRun} WHERE {In(scope.Connection, "r.id", "ids")} AND r.worker_name = @claimant AND r.state_type IN ({Pending}, {Running})",
            new { ids = Ids(ids), claimant }, scope.Transaction, cancellationToken: cancellationToken)))
            .OrderBy(run => ids.IndexOf(run.Id)).ToList();
        var deploymentIds = runs.Select(run => run.DeploymentId).OfType<Guid>().Distinct().ToList();
        if (deploymentIds.Count == 0)
        {
            return new ClaimOutcome(pool, runs, [], false) { Replayed = true };
        }

        using var batch = await scope.Connection.QueryMultipleAsync(new CommandDefinition(
            DeploymentStore.SelectManySql(scope.Connection, deploymentIds.Count), DeploymentStore.ManyParameters(deploymentIds), scope.Transaction,
            cancellationToken: cancellationToken));
        return new ClaimOutcome(pool, runs, await DeploymentStore.ReadManyAsync(batch, deploymentIds, now), false) { Replayed = true };
    }

    /// <summary>The statement forgetting old claim keys (served by ix_claim_keys_created).</summary>
    public const string ForgetSql = "DELETE FROM claim_keys WHERE created < @before";

    /// <summary>Forgets the keys of claims made before <paramref name="before"/>.</summary>
    public static Task<int> ForgetAsync(WriteScope scope, DateTimeOffset before, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(ForgetSql, new { before = Ms(before) }, scope.Transaction, cancellationToken: cancellationToken));
}
