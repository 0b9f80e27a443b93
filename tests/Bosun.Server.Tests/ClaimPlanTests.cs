using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Server.Storage;
using Bosun.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Bosun.Server.Tests;

/// <summary>
/// The plans PostgreSQL keeps for the statements every run goes through twice, once they are prepared (as
/// <see cref="RunListPlanTests"/> explains): a plan made while the table looked small must stay a lookup when the table has
/// grown. Statistics lag behind a fresh database filling up (autovacuum analyzes a minute or more later), and a kept plan
/// lives until they change: in issue 23's W1 on PostgreSQL, a batch of final states read every run of the table, 1.5 ms a
/// claim and growing, and a served claim sorted every due run to take eight.
/// </summary>
public sealed class ClaimPlanTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ServedClaimAndBatchOfStates_PlannedWhileTheTableLookedSmall_LookRunsUpInAnIndex_OnPostgreSql()
    {
        if (TestDatabases.PostgresAdmin is null && !TestEnvironment.InCi)
        {
            return; // no PostgreSQL cluster configured outside CI (scripts/ci-setup/10-postgres.sh)
        }

        await using var server = await TestServer.StartAsync(postgres: true);
        var deployment = await server.Client.UpsertDeploymentAsync(new DeploymentUpsert("served", "plans", "cmd"));
        var database = server.Server.Services.GetRequiredService<BosunDatabase>();
        var clock = TimeProvider.System;

        var (batchPlan, claimPlan) = await database.WriteAsync(async scope =>
        {
            var connection = scope.Connection;
            // Finished runs of the deployment, and statistics that say so. No autovacuum on them: its worker, which the
            // test's role cannot end, would keep the database from being dropped.
            await connection.ExecuteAsync($$"""
                ALTER TABLE flow_runs SET (autovacuum_enabled = false, toast.autovacuum_enabled = false);
                INSERT INTO flow_runs (id, name, flow_id, deployment_id, work_pool_id, work_queue_id, parameters, job_variables, tags,
                    state_id, state_type, state_name, state_timestamp, expected_start_time, next_scheduled_start_time, end_time, run_count, created, updated)
                SELECT gen_random_uuid()::text, 'seed-' || n, d.flow_id, d.id, NULL, NULL, '{}', '{}', '[]',
                    gen_random_uuid()::text, 'COMPLETED', 'Completed', n, n, n, n, 1, n, n
                FROM generate_series(1, 400) AS n, deployments d WHERE d.id = @deployment;
                ANALYZE flow_runs;
                SET plan_cache_mode = force_generic_plan;
                """, new { deployment = deployment.Id.ToString() }, scope.Transaction);
            try
            {
                // A batch of final states, twice, for runs that do not exist: read and locked in one statement all the same.
                for (var i = 0; i < 2; i++)
                {
                    var outcomes = await FlowRunStore.TryTransitionAllAsync(scope,
                        [new FlowRunStateProposal(Guid.NewGuid(), new StateProposal(StateType.Completed)), new FlowRunStateProposal(Guid.NewGuid(), new StateProposal(StateType.Completed))],
                        clock.GetUtcNow(), CancellationToken.None);
                    Assert.All(outcomes, Assert.Null);
                }

                var batch = await ExplainAsync(scope, "%CROSS JOIN LATERAL%FOR UPDATE OF r", deployment.Id);

                // Then the table is ten times larger, as the statistics say, and the kept plans are made again.
                await connection.ExecuteAsync("""
                    INSERT INTO flow_runs (id, name, flow_id, deployment_id, work_pool_id, work_queue_id, parameters, job_variables, tags,
                        state_id, state_type, state_name, state_timestamp, expected_start_time, next_scheduled_start_time, end_time, run_count, created, updated)
                    SELECT gen_random_uuid()::text, 'more-' || n, flow_id, deployment_id, NULL, NULL, '{}', '{}', '[]',
                        gen_random_uuid()::text, 'COMPLETED', 'Completed', n, n, n, n, 1, n, n
                    FROM generate_series(1, 4000) AS n, (SELECT flow_id, deployment_id FROM flow_runs LIMIT 1) AS one;
                    ANALYZE flow_runs;
                    """, transaction: scope.Transaction);
                var dialect = database.Dialect;
                for (var i = 0; i < 2; i++)
                {
                    var claimed = await ClaimStore.ClaimServedAsync(scope, dialect, new ServedClaimRequest("plans", [deployment.Id], 8), clock.GetUtcNow(), clock,
                        TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), CancellationToken.None);
                    Assert.Empty(claimed.Claimed);
                }

                return (batch, await ExplainAsync(scope, "%r.work_pool_id IS NULL AND r.state_type%SKIP LOCKED", deployment.Id));
            }
            finally
            {
                await connection.ExecuteAsync("RESET plan_cache_mode", transaction: scope.Transaction);
            }
        }, CancellationToken.None);

        output.WriteLine($"-- the batch's read and lock\n{batchPlan}\n-- the served claim's candidates\n{claimPlan}");
        // Each run looked up by its key, never the whole table hashed.
        Assert.Contains("Index Scan using flow_runs_pkey on flow_runs", batchPlan, StringComparison.Ordinal);
        Assert.DoesNotContain("Seq Scan on flow_runs", batchPlan, StringComparison.Ordinal);
        // The deployment's due runs read in the order they are taken, up to the page: nothing sorted, however long the backlog.
        Assert.Matches(@"Index Scan using ix_flow_runs_deployment_state on flow_runs r[^\n]*\n\s+Index Cond: \(\(deployment_id = ", claimPlan);
        Assert.DoesNotContain("Sort", claimPlan, StringComparison.Ordinal);
    }

    /// <summary>The kept generic plan of the one prepared statement whose text is like <paramref name="pattern"/>, explained for placeholder values.</summary>
    private static async Task<string> ExplainAsync(WriteScope scope, string pattern, Guid deploymentId)
    {
        var (name, statement, types, genericPlans) = Assert.Single(await scope.Connection.QueryAsync<(string, string, string, long)>(
            "SELECT name, statement, parameter_types::text, generic_plans FROM pg_prepared_statements WHERE statement LIKE @pattern",
            new { pattern }, scope.Transaction));
        Assert.True(genericPlans > 0, $"Not planned generically:\n{statement}");
        // Ids for text, none for a list of them, a time for numbers: the only parameters these statements have.
        var values = types.Trim('{', '}').Split(',').Select(type => type switch { "text" => $"'{deploymentId}'", "text[]" => "'{}'", _ => "0" });
        return string.Join("\n", await scope.Connection.QueryAsync<string>($"EXPLAIN EXECUTE {name}({string.Join(", ", values)})", transaction: scope.Transaction));
    }
}
