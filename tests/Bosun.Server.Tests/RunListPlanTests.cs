using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Server.Storage;
using Bosun.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Bosun.Server.Tests;

/// <summary>
/// The run list's statements as PostgreSQL plans them once they are prepared (Npgsql prepares a statement used twice on a
/// connection; PostgreSQL may plan it once for any value from its sixth execution): a generic plan must still read the
/// index that serves the filter.
/// </summary>
public sealed class RunListPlanTests(ITestOutputHelper output)
{
    private const int Runs = 20_000;

    [Fact]
    public async Task ListFlowRuns_ByAStateOfAPool_TheGenericPlansLookTheStateUpInAnIndex_OnPostgreSql()
    {
        if (TestDatabases.PostgresAdmin is null && !TestEnvironment.InCi)
        {
            return; // no PostgreSQL cluster configured outside CI (scripts/ci-setup/10-postgres.sh)
        }

        await using var server = await TestServer.StartAsync(postgres: true);
        await server.Client.PoolAsync("p");
        var deployment = await server.Client.DeploymentAsync("p");
        var database = server.Server.Services.GetRequiredService<BosunDatabase>();

        var plans = await database.ReadAsync(async connection =>
        {
            // Finished runs, every tenth FAILED and none CRASHED, with the statistics a running server's table has. No
            // autovacuum on them: its worker, which the test's role cannot end, would keep the database from being dropped.
            await connection.ExecuteAsync($$"""
                ALTER TABLE flow_runs SET (autovacuum_enabled = false, toast.autovacuum_enabled = false);
                INSERT INTO flow_runs (id, name, flow_id, deployment_id, work_pool_id, work_queue_id, parameters, job_variables, tags,
                    state_id, state_type, state_name, state_timestamp, expected_start_time, end_time, run_count, created, updated)
                SELECT gen_random_uuid()::text, 'seed-' || n, d.flow_id, d.id, d.work_pool_id, d.work_queue_id, '{}', '{}', '[]',
                    gen_random_uuid()::text, CASE WHEN n % 10 = 0 THEN 'FAILED' ELSE 'COMPLETED' END,
                    CASE WHEN n % 10 = 0 THEN 'Failed' ELSE 'Completed' END, n, n, n, 1, n, n
                FROM generate_series(1, {{Runs}}) AS n, deployments d WHERE d.id = @deployment;
                ANALYZE flow_runs;
                """, new { deployment = deployment.Id.ToString() });
            try
            {
                // Generic plans from the first prepared execution, where PostgreSQL would choose them after five.
                await connection.ExecuteAsync("SET plan_cache_mode = force_generic_plan");
                var filter = new FlowRunFilter(States: [StateType.Crashed], WorkPoolName: "p");
                for (var i = 0; i < 3; i++)
                {
                    var page = await FlowRunStore.ListAsync(connection, filter, pools: null, countLimit: 10_000, CancellationToken.None);
                    Assert.Empty(page.Items);
                    Assert.Equal(0, page.Total);
                }

                var prepared = await connection.QueryAsync<(string Name, string Statement, string Types, long GenericPlans)>("""
                    SELECT name, statement, parameter_types::text, generic_plans FROM pg_prepared_statements
                    WHERE statement LIKE '%FROM flow_runs r%' AND statement LIKE '%work_pools WHERE name%'
                    """);
                var result = new List<(string Statement, long GenericPlans, string Plan)>();
                foreach (var (name, statement, types, genericPlans) in prepared)
                {
                    // The pool's name for text, the state for a list of them, a page's size for numbers: the only parameters
                    // these statements have.
                    var values = types.Trim('{', '}').Split(',').Select(type => type switch { "text" => "'p'", "text[]" => "'{CRASHED}'", _ => "101" });
                    var plan = await connection.QueryAsync<string>($"EXPLAIN EXECUTE {name}({string.Join(", ", values)})");
                    result.Add((statement, genericPlans, string.Join("\n", plan)));
                }

                return result;
            }
            finally
            {
                await connection.ExecuteAsync("RESET plan_cache_mode");
            }
        }, CancellationToken.None);

        // The count and the page.
        Assert.Equal(2, plans.Count);
        foreach (var (statement, genericPlans, plan) in plans)
        {
            output.WriteLine($"-- {statement}\n{plan}");
            Assert.True(genericPlans > 0, $"Not planned generically:\n{statement}");
            // An index on the state (the pool's, or the states' own) finds the state's runs; no whole table, and no walk of
            // every run in the list's order filtering on the state.
            Assert.Matches(@"Index (Only )?Scan using ix_flow_runs_\w+ on flow_runs r[^\n]*\n\s+Index Cond: \([^\n]*state_type = 'CRASHED'", plan);
            Assert.DoesNotContain("Seq Scan on flow_runs", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("ix_flow_runs_expected_start", plan, StringComparison.Ordinal);
        }
    }
}
