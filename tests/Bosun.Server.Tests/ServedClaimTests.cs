using System.Net;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Server.Storage;
using Bosun.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Server.Tests;

/// <summary>The claim of a serving process: its own pool-less deployments only, limits respected, long-poll.</summary>
public sealed class ServedClaimTests
{
    [Fact]
    public async Task ClaimServed_OwnDeploymentsOnly_MarksThemReady()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var mine = await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "mine"));
        var other = await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "other"));
        var run = await client.CreateFlowRunAsync(mine.Id, new FlowRunCreate());
        await client.CreateFlowRunAsync(other.Id, new FlowRunCreate());

        var claim = await client.ClaimServedFlowRunsAsync(new ServedClaimRequest("serve-1", [mine.Id], 10));

        var claimed = Assert.Single(claim.Runs);
        Assert.Equal(run.Id, claimed.FlowRun.Id);
        Assert.Equal((StateType.Pending, "serve-1"), (claimed.FlowRun.State.Type, claimed.FlowRun.WorkerName));
        Assert.Equal(ReadinessStatus.Ready, (await client.GetDeploymentAsync(mine.Id)).Status);
        Assert.Equal(ReadinessStatus.NotReady, (await client.GetDeploymentAsync(other.Id)).Status);
    }

    /// <summary>
    /// A claim decides at the time it read its candidates, not the time it asked for the writer: a run created "due now"
    /// in between (while the claim waited for the writer, or committed on PostgreSQL between the claim's first statement
    /// and its read) is started by the claim, not handed out PENDING for its executor to start in requests of its own.
    /// A run due after the read still waits.
    /// </summary>
    [Fact]
    public async Task ClaimServed_RunDueAfterTheClaimAskedButBeforeItRead_StartedByTheClaim_ALaterRunWaits()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var server = await TestServer.StartAsync(clock);
        var client = server.Client;
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "due-meanwhile"));
        var asked = clock.GetUtcNow();
        clock.Advance(TimeSpan.FromMilliseconds(5));
        var dueMeanwhile = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var dueLater = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(ScheduledStartTime: clock.GetUtcNow() + TimeSpan.FromMilliseconds(5)));
        var database = server.Server.Services.GetRequiredService<BosunDatabase>();
        var request = new ServedClaimRequest("s", [deployment.Id], 10) { InProcessInfrastructureId = "in-process-1" };

        var outcome = await database.WriteAsync(scope => ClaimStore.ClaimServedAsync(scope, database.Dialect, request, asked, clock,
            TimeSpan.FromSeconds(10), TimeSpan.FromHours(1), CancellationToken.None), CancellationToken.None);

        var claimed = new List<(Guid, StateType)>();
        foreach (var run in outcome.Claimed)
        {
            claimed.Add((run.Id, (await client.GetFlowRunAsync(run.Id)).State.Type));
        }

        Assert.Equal([(dueMeanwhile.Id, StateType.Running), (dueLater.Id, StateType.Pending)], claimed);
    }

    /// <summary>The same limit whether the claim answers runs PENDING or, for a process that runs them inside itself, RUNNING.</summary>
    [Theory]
    [InlineData(null)]
    [InlineData("in-process-1")]
    public async Task ClaimServed_DeploymentLimit_Respected(string? inProcessInfrastructureId)
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "limited", ConcurrencyLimit: 1));
        await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var second = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var request = new ServedClaimRequest("s", [deployment.Id], 10) { InProcessInfrastructureId = inProcessInfrastructureId };
        var claimedAs = inProcessInfrastructureId is null ? StateType.Pending : StateType.Running;

        var first = Assert.Single((await client.ClaimServedFlowRunsAsync(request)).Runs).FlowRun;
        Assert.Equal(claimedAs, first.State.Type);
        Assert.Empty((await client.ClaimServedFlowRunsAsync(request)).Runs);
        Assert.Equal(StateType.Scheduled, (await client.GetFlowRunAsync(second.Id)).State.Type);

        await client.SetFlowRunStateAsync(first.Id, new StateProposal(StateType.Completed));
        var next = Assert.Single((await client.ClaimServedFlowRunsAsync(request)).Runs).FlowRun;
        Assert.Equal((second.Id, claimedAs), (next.Id, next.State.Type));
    }

    /// <summary>
    /// A full serving process sends its ending run's final state with the claim for the slot it frees: decided first (so
    /// the deployment's one slot is free for this very claim), answered in order, an unknown run named.
    /// </summary>
    [Fact]
    public async Task ClaimServed_CarriesFinalStates_DecidedBeforeTheClaim_SlotTakenBySameClaim_AnsweredInOrder()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "carried", ConcurrencyLimit: 1));
        await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var second = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var request = new ServedClaimRequest("s", [deployment.Id], 1) { InProcessInfrastructureId = "in-process-1" };
        var first = Assert.Single((await client.ClaimServedFlowRunsAsync(request)).Runs).FlowRun;
        Assert.Equal(StateType.Running, first.State.Type);
        var unknown = Guid.NewGuid();

        var answer = await client.ClaimServedFlowRunsAsync(request with
        {
            States = [new FlowRunStateProposal(first.Id, new StateProposal(StateType.Completed)), new FlowRunStateProposal(unknown, new StateProposal(StateType.Failed))],
        });

        var next = Assert.Single(answer.Runs).FlowRun;
        Assert.Equal((second.Id, StateType.Running), (next.Id, next.State.Type));
        Assert.NotNull(answer.StateResults);
        Assert.Equal([first.Id, unknown], answer.StateResults.Select(result => result.FlowRunId));
        Assert.Equal((SetStateStatus.Accept, StateType.Completed), (answer.StateResults[0].Result!.Status, answer.StateResults[0].Result!.State.Type));
        Assert.Null(answer.StateResults[1].Result);
        Assert.Equal($"flow run {unknown} does not exist", answer.StateResults[1].Error);
        Assert.Equal(StateType.Completed, (await client.GetFlowRunAsync(first.Id)).State.Type);
        // A claim without states answers none.
        Assert.Null((await client.ClaimServedFlowRunsAsync(request)).StateResults);
    }

    /// <summary>A claim that is refused decides none of the states it carries; bad states are the claim's 422, naming them.</summary>
    [Fact]
    public async Task ClaimServed_CarriedStates_RefusedClaimDecidesNone_BadStates422()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "refused"));
        await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var request = new ServedClaimRequest("s", [deployment.Id], 1) { InProcessInfrastructureId = "in-process-1" };
        var run = Assert.Single((await client.ClaimServedFlowRunsAsync(request)).Runs).FlowRun;
        var completed = new FlowRunStateProposal(run.Id, new StateProposal(StateType.Completed));
        var missing = Guid.NewGuid();

        await ApiAssert.FailsAsync(HttpStatusCode.NotFound,
            () => client.ClaimServedFlowRunsAsync(new ServedClaimRequest("s", [deployment.Id, missing], 1) { States = [completed] }), $"Deployment {missing} does not exist");
        Assert.Equal(StateType.Running, (await client.GetFlowRunAsync(run.Id)).State.Type);
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => client.ClaimServedFlowRunsAsync(request with { States = [.. Enumerable.Repeat(completed, 101)] }), "states", "1 to 100 proposals");
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => client.ClaimServedFlowRunsAsync(request with { States = [new FlowRunStateProposal(run.Id, new StateProposal(StateType.Failed, Message: new string('x', 10_001)))] }),
            "states[0].proposal.message");
        Assert.Equal(StateType.Running, (await client.GetFlowRunAsync(run.Id)).State.Type);
    }

    [Fact]
    public async Task ClaimServed_InProcess_DueRunsComeRunningOnIt_RunsAheadOfTimeStayPending()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "in-process"));
        var due = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var ahead = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(ScheduledStartTime: TimeProvider.System.GetUtcNow().AddMinutes(5)));

        var claim = await client.ClaimServedFlowRunsAsync(new ServedClaimRequest("serve-1", [deployment.Id], 10, PrefetchSeconds: 3600)
        {
            InProcessInfrastructureId = "in-process-42",
        });

        Assert.Equal(2, claim.Runs.Count);
        var started = Assert.Single(claim.Runs, run => run.FlowRun.Id == due.Id).FlowRun;
        Assert.Equal((StateType.Running, "serve-1", "in-process-42", 1), (started.State.Type, started.WorkerName, started.InfrastructureId, started.RunCount));
        Assert.NotNull(started.StartTime);
        var stored = await client.GetFlowRunAsync(due.Id);
        Assert.Equal((StateType.Running, "in-process-42"), (stored.State.Type, stored.InfrastructureId));
        Assert.Equal(["Scheduled", "Pending", "Running"], (await client.GetFlowRunStatesAsync(due.Id)).Select(state => state.Name));

        // Claimed ahead of its time: the rules answer WAIT to RUNNING, so it is answered PENDING, for its claimant to start when due.
        var prefetched = Assert.Single(claim.Runs, run => run.FlowRun.Id == ahead.Id).FlowRun;
        Assert.Equal((StateType.Pending, (string?)null), (prefetched.State.Type, prefetched.InfrastructureId));
        Assert.Equal(StateType.Pending, (await client.GetFlowRunAsync(ahead.Id)).State.Type);
    }

    [Fact]
    public async Task ClaimServed_InProcessInfrastructureIdBlankOrTooLong_422()
    {
        await using var server = await TestServer.StartAsync();
        var deployment = await server.Client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d"));

        foreach (var id in new[] { " ", new string('x', 501) })
        {
            await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
                () => server.Client.ClaimServedFlowRunsAsync(new ServedClaimRequest("s", [deployment.Id]) { InProcessInfrastructureId = id }), "in_process_infrastructure_id");
        }
    }

    [Fact]
    public async Task ClaimServed_LongPoll_WakesOnNewRun()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "served"));
        using var other = server.NewClient();

        var waiting = other.ClaimServedFlowRunsAsync(new ServedClaimRequest("s", [deployment.Id], 1, WaitSeconds: 30));
        await Eventually.WaitUntilAsync(async () => (await client.GetDeploymentAsync(deployment.Id)).LastPolled is not null, "the serving claim polled");
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());

        Assert.Equal(run.Id, Assert.Single((await waiting).Runs).FlowRun.Id);
    }

    [Fact]
    public async Task ClaimServed_PoolDeployment_422()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var deployment = await server.Client.DeploymentAsync("p");

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => server.Client.ClaimServedFlowRunsAsync(new ServedClaimRequest("s", [deployment.Id])), "work pool");
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound,
            () => server.Client.ClaimServedFlowRunsAsync(new ServedClaimRequest("s", [Guid.NewGuid()])), "does not exist");
    }

    [Fact]
    public async Task Deployment_Retries_CopiedOntoRuns()
    {
        await using var server = await TestServer.StartAsync();
        var deployment = await server.Client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d", Retries: 2, RetryDelaySeconds: 5));

        var inherited = await server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var own = await server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(Retries: 0));

        Assert.Equal((2, 5), (inherited.Retries, inherited.RetryDelaySeconds));
        Assert.Equal(0, own.Retries);
    }

    [Fact]
    public async Task ServingProcess_SilentPastTheRetention_Forgotten_OneStillPolling_Kept()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var server = await TestServer.StartAsync(clock, options => options.ServiceInterval = TimeSpan.FromDays(1));
        var client = server.Client;
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "served"));
        await client.ClaimServedFlowRunsAsync(new ServedClaimRequest("serve-gone", [deployment.Id], 1));
        await client.ClaimServedFlowRunsAsync(new ServedClaimRequest("serve-alive", [deployment.Id], 1));

        clock.Advance(ServingProcessStore.Retention - TimeSpan.FromMinutes(1));
        await client.ClaimServedFlowRunsAsync(new ServedClaimRequest("serve-alive", [deployment.Id], 1));
        clock.Advance(TimeSpan.FromMinutes(2));
        var retention = server.Server.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Orchestration.FlowRuns.ClaimRetentionService>().Single();
        await retention.SweepAsync(CancellationToken.None);

        var left = await server.Server.Services.GetRequiredService<BosunDatabase>().ReadAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT name FROM serving_processes ORDER BY name";
            var names = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                names.Add(reader.GetString(0));
            }

            return names;
        }, CancellationToken.None);
        Assert.Equal(["serve-alive"], left);
    }
}
