using Bosun.Contracts.Automations;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Schedules;
using Bosun.Contracts.States;
using Bosun.Server;
using Bosun.Server.Orchestration;
using Bosun.Server.Orchestration.Scheduling;
using Bosun.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

using static Bosun.Postgres.Tests.PostgresProbe;

namespace Bosun.Postgres.Tests;

/// <summary>
/// A transaction that locks several rows of one table on PostgreSQL locks them in the order of their ids, or with SKIP
/// LOCKED, so that two of them never wait for each other (docs/ARCHITECTURE.md). Another transaction holds a row, and the
/// one under test must either wait for it holding no row of a higher id (a sweep that moves runs one by one, which took
/// them as it found them and deadlocked with batches under load in issue 23's probes; a batch of states; automations'
/// rules) or pass it over without waiting (the scheduler's catch-up).
/// </summary>
public sealed class LockOrderTests
{
    [Fact]
    public async Task LateSweep_WaitingForARunABatchHolds_HoldsNoRunOfAHigherId()
    {
        if (!PostgresRequired.Cluster())
        {
            return;
        }

        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var server = await TestServer.StartAsync(clock, options => options.ServiceInterval = TimeSpan.FromDays(1), postgres: true);
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        await client.RunAsync(deployment);
        await client.RunAsync(deployment);
        await using var batch = await ConnectAsync(server);
        var ids = await QueryIdsAsync(batch, "SELECT id FROM flow_runs ORDER BY id");
        var (lower, higher) = (ids[0], ids[1]);
        // A sweep taking its runs as it finds them would take the higher first, whether it reads the table in its order or
        // by due time: the higher is due a second earlier, and the lower's row, rewritten last, comes after it.
        await ExecuteAsync(batch, $"UPDATE flow_runs SET next_scheduled_start_time = next_scheduled_start_time - 1000 WHERE id = '{higher}'");
        await ExecuteAsync(batch, $"UPDATE flow_runs SET updated = updated WHERE id = '{lower}'");
        Assert.Equal([higher, lower], await QueryIdsAsync(batch, "SELECT id FROM flow_runs"));
        clock.Advance(TimeSpan.FromSeconds(16));

        // A batch holds the lower run, as a batch of proposals does while it decides (it locks in id order: the higher next).
        await using var transaction = await batch.BeginTransactionAsync();
        await ExecuteAsync(batch, $"SELECT id FROM flow_runs WHERE id = '{lower}' FOR UPDATE", transaction);
        var sweep = Task.Run(() => server.HostedService<LateRunService>().SweepAsync(CancellationToken.None));
        // The batch's next lock, the higher run, is free: the sweep holds nothing while it waits.
        await WaitsHoldingNoHigherAsync("the late sweep", sweep, batch, transaction, "flow_runs", higher);

        Assert.Equal(2, await sweep.WaitAsync(TimeSpan.FromSeconds(60)));
        foreach (var id in ids)
        {
            Assert.Equal(StateNames.Late, (await client.GetFlowRunAsync(Guid.Parse(id))).State.Name);
        }
    }

    /// <summary>
    /// A batch of proposals locks its runs in id order too: each looked up by its key and locked as it is found, in a
    /// lateral lookup over the sorted ids (a plan that stays a lookup however the table grew, <c>ClaimPlanTests</c>). The
    /// order is the lookup's, not a lock over the sorted result, so it is pinned here.
    /// </summary>
    [Fact]
    public async Task BatchOfStates_WaitingForARunAnotherHolds_HoldsNoRunOfAHigherId()
    {
        if (!PostgresRequired.Cluster())
        {
            return;
        }

        await using var server = await TestServer.StartAsync(postgres: true);
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        await client.RunAsync(deployment);
        await client.RunAsync(deployment);
        Assert.Equal(2, (await client.ClaimFlowRunsAsync("p", new ClaimRequest("w", 2, PrefetchSeconds: 3600))).Runs.Count);
        await using var other = await ConnectAsync(server);
        var ids = await QueryIdsAsync(other, "SELECT id FROM flow_runs ORDER BY id");
        var (lower, higher) = (ids[0], ids[1]);

        await using var transaction = await other.BeginTransactionAsync();
        await ExecuteAsync(other, $"SELECT id FROM flow_runs WHERE id = '{lower}' FOR UPDATE", transaction);
        // Proposed higher first: the batch sorts them.
        var batch = client.SetFlowRunStatesAsync(new FlowRunStateBatch(
            [.. ids.AsEnumerable().Reverse().Select(id => new FlowRunStateProposal(Guid.Parse(id), new StateProposal(StateType.Running)))]));
        await WaitsHoldingNoHigherAsync("the batch", batch, other, transaction, "flow_runs", higher);

        var results = (await batch.WaitAsync(TimeSpan.FromSeconds(60))).Results;
        Assert.All(results, result => Assert.Equal(SetStateStatus.Accept, result.Result?.Status));
        foreach (var id in ids)
        {
            Assert.Equal(StateType.Running, (await client.GetFlowRunAsync(Guid.Parse(id))).State.Type);
        }
    }

    /// <summary>
    /// Automations' rules are locked in id order too, before a transaction records their events: it locked each as its
    /// event matched it, and two dispatchers (replicas, or the outbox and the waiting-run conditions) deadlocked on two rules
    /// taken in opposite orders, once in a CI run (PostgreSQL's log, 2026-12-07).
    /// </summary>
    [Fact]
    public async Task AutomationRules_WaitingForARuleAnotherHolds_HoldsNoRuleOfAHigherId()
    {
        if (!PostgresRequired.Cluster())
        {
            return;
        }

        using var receiver = new WebhookReceiver();
        await using var server = await TestServer.StartAsync(postgres: true);
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var rules = new List<Guid>();
        foreach (var name in new[] { "one", "two" })
        {
            rules.Add((await client.CreateAutomationAsync(new AutomationCreate(name, new AutomationTrigger(AutomationTriggerKind.RunState, [StateType.Failed]),
                [new AutomationAction(AutomationActionKind.Webhook, receiver.BaseUrl)]))).Id);
        }

        var (lower, higher) = (rules.Min(), rules.Max());
        await using var other = await ConnectAsync(server);
        // The dispatcher matches an event against the rules oldest first: the higher is made the older, so that taking rules
        // as they match takes the higher first.
        await ExecuteAsync(other, $"UPDATE automations SET created = created - 1000 WHERE id = '{higher:D}'");
        var run = await client.RunAsync(deployment);
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));

        await using var transaction = await other.BeginTransactionAsync();
        await ExecuteAsync(other, $"SELECT id FROM automations WHERE id = '{lower:D}' FOR UPDATE", transaction);
        // The run's failure matches both rules; the dispatcher records them at once, on its own.
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Failed));
        await WaitsHoldingNoHigherAsync("the dispatcher", null, other, transaction, "automations", higher.ToString("D"));

        foreach (var rule in rules)
        {
            await Eventually.WaitUntilAsync(async () => (await client.AutomationHistoryAsync(rule.ToString("D"))).Count == 1, $"rule {rule} fired once");
        }
    }

    /// <summary>
    /// The scheduler shares a deployment's row while it catches the deployment's schedules up; a claim that holds a waiting
    /// run its policy skips writes that row (the skip count). The scheduler waited for such a run while sharing the row,
    /// and the claim for the row: a deadlock. It now leaves a run another transaction holds (the claim skips it itself),
    /// never waiting.
    /// </summary>
    [Fact]
    public async Task SchedulerCatchUp_ARunAClaimHolds_LeftToTheClaimWithoutWaiting()
    {
        if (!PostgresRequired.Cluster())
        {
            return;
        }

        var start = new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);
        var clock = new FakeTimeProvider(start);
        await using var server = await TestServer.StartAsync(clock, options => options.ServiceInterval = TimeSpan.FromDays(1), postgres: true);
        var client = server.Client;
        await client.PoolAsync("p");
        var deploymentId = (await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "every-10s", "cmd", WorkPoolName: "p",
            Schedules: [new ScheduleSpec(IntervalSeconds: 10, Anchor: start)], CatchUp: CatchUpPolicy.Skip))).Id;
        var scheduler = server.HostedService<SchedulerService>();
        // The upsert woke the scheduler's own loop: its pass done, the sweeps below are the test's alone.
        await server.SweepLoopsIdleAsync();
        await scheduler.SweepAsync(CancellationToken.None);
        // The runs due at +10 to +50 s are missed (more than the 10 s grace late) and waiting: the policy skips them.
        clock.Advance(TimeSpan.FromSeconds(65));
        var runs = (await client.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: deploymentId, Limit: 500))).Items.OrderBy(run => run.ExpectedStartTime).ToList();
        var held = runs[0];
        Assert.Equal(start.AddSeconds(10), held.ExpectedStartTime);

        await using var claim = await ConnectAsync(server);
        await using (var transaction = await claim.BeginTransactionAsync())
        {
            // A claim holds the first of them, as it holds the candidates it took.
            await ExecuteAsync(claim, $"SELECT id FROM flow_runs WHERE id = '{held.Id}' FOR UPDATE", transaction);
            var sweep = Task.Run(() => scheduler.SweepAsync(CancellationToken.None));
            await Eventually.WaitUntilAsync(async () => sweep.IsCompleted || await WaitingForALockAsync(claim), "the scheduler's sweep ends or waits");
            Assert.True(sweep.IsCompleted, "the scheduler waited for the run the claim holds, sharing the deployment the claim writes");
            await sweep;
            await transaction.CommitAsync();
        }

        var left = (await client.GetFlowRunAsync(held.Id)).State;
        Assert.Equal((StateType.Scheduled, StateNames.Scheduled), (left.Type, left.Name));
        foreach (var run in runs.Where(run => run.ExpectedStartTime > held.ExpectedStartTime && run.ExpectedStartTime <= start.AddSeconds(50)))
        {
            Assert.Equal(StateNames.Skipped, (await client.GetFlowRunAsync(run.Id)).State.Name);
        }

        // The claim skips the run it held, under the same policy.
        Assert.DoesNotContain((await client.ClaimAsync("p", max: 10, prefetchSeconds: 0)).Runs, claimed => claimed.FlowRun.Id == held.Id);
        Assert.Equal(StateNames.Skipped, (await client.GetFlowRunAsync(held.Id)).State.Name);
    }

    /// <summary>
    /// Waits until <paramref name="who"/> (the work <paramref name="work"/>, or something the server does on its own when
    /// null) waits for the row <paramref name="transaction"/> holds; checks that, meanwhile, the row <paramref name="higher"/>
    /// of <paramref name="table"/> is free; then commits, letting it go on.
    /// </summary>
    private static async Task WaitsHoldingNoHigherAsync(string who, Task? work, NpgsqlConnection holder, NpgsqlTransaction transaction, string table, string higher)
    {
        await Eventually.WaitUntilAsync(async () => await WaitingForALockAsync(holder) || work?.IsCompleted == true, $"{who} waits for the row the other transaction holds");
        Assert.False(work?.IsCompleted == true, $"{who} did not wait for the row the other transaction holds");
        var error = await Record.ExceptionAsync(() => ExecuteAsync(holder, $"SELECT id FROM {table} WHERE id = '{higher}' FOR UPDATE NOWAIT", transaction));
        Assert.True(error is null, $"{who} held the higher row of {table} while it waited for the lower: {error?.Message}");
        await transaction.CommitAsync();
    }
}
