using Bosun.Contracts.Audit;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Server.Orchestration.FlowRuns;
using Bosun.Server.Storage;
using Bosun.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Tests;

/// <summary>RUNNING proposals held for the same due time, more of them than one statement takes parameters for.</summary>
public sealed class HeldProposalBatchTests
{
    private const int Runs = 8_200;

    /// <summary>
    /// 8,200 audited proposals due in the same millisecond: their audit entries, inserted by one statement, would take
    /// 65,600 parameters, over PostgreSQL's 65,535 and SQLite's 32,766. That transaction failed and each proposal was then
    /// decided alone, 8,200 transactions one after another. Decided in transactions of
    /// <see cref="HeldProposals.MaxPerTransaction"/>, every run starts with its entry, and the RUNNING times are those of a
    /// few decisions, not one per run.
    /// </summary>
    [Fact]
    public async Task Running_MoreAuditedProposalsDueAtOneTimeThanOneStatementTakes_DecidedInTransactionsOfAFewHundred()
    {
        // No run turns Late while the test claims them: the late sweep holds the runs it renames, and a claim passes held
        // runs over, so on a loaded machine (8,200 runs created and claimed in more than 15 s) a claim found none free.
        await using var server = await TestServer.StartAsync(configure: options => options.LateRunThreshold = TimeSpan.FromHours(1));
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        for (var created = 0; created < Runs; created += FlowRunService.MaxBatch)
        {
            var count = Math.Min(FlowRunService.MaxBatch, Runs - created);
            await client.CreateFlowRunsAsync(deployment.Id, Enumerable.Range(0, count).Select(_ => new FlowRunCreate()).ToList());
        }

        var claimed = new List<Guid>();
        while (claimed.Count < Runs)
        {
            var claim = await client.ClaimAsync("p", max: 1000);
            Assert.NotEmpty(claim.Runs);
            claimed.AddRange(claim.Runs.Select(run => run.FlowRun.Id));
        }

        // Ten seconds to hold 8,200 proposals (a loop of milliseconds), however loaded the machine.
        var held = server.Server.Services.GetRequiredService<HeldProposals>();
        var due = TimeProvider.System.GetUtcNow().AddSeconds(10);
        var decisions = claimed.Select(id => ProposeAuditedAsync(held, id, due)).ToList();
        Assert.True(TimeProvider.System.GetUtcNow() < due, "the proposals were not all held before their due time: the machine was too slow for this test");
        Assert.Equal(Runs, held.Count);

        var outcomes = await Task.WhenAll(decisions);

        Assert.All(outcomes, outcome => Assert.Equal((SetStateStatus.Accept, StateType.Running), (outcome.Outcome!.Result.Status, outcome.Outcome.Result.State.Type)));
        var decidedAt = outcomes.Select(outcome => outcome.DecidedAt).Distinct().Count();
        var transactions = (Runs + HeldProposals.MaxPerTransaction - 1) / HeldProposals.MaxPerTransaction;
        Assert.True(decidedAt <= transactions, $"the runs were decided at {decidedAt} different times, not in {transactions} transactions");
        Assert.Equal(Runs, (await client.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Running], Limit: 1))).Total);
        var database = server.Server.Services.GetRequiredService<BosunDatabase>();
        Assert.Equal(Runs, await database.ReadAsync(connection => connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE key_name = 'held-batch-test'"), CancellationToken.None));
    }

    /// <summary>A RUNNING proposal held as a request's would be: with the request's audited change ambient.</summary>
    private static async Task<(TransitionOutcome? Outcome, DateTimeOffset DecidedAt)> ProposeAuditedAsync(HeldProposals held, Guid runId, DateTimeOffset due)
    {
        new AuditedChange(() => new AuditEntry(Guid.NewGuid(), due, null, "held-batch-test", "SetFlowRunState", $"POST /api/flow_runs/{runId}/set_state", 200, "RUNNING"))
            .Enter();
        return await held.DecideAtAsync(runId, new StateProposal(StateType.Running), due, CancellationToken.None);
    }
}
