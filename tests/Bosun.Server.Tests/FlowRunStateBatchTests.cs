using System.Net;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>Many runs' state proposals in one request and one write (POST /api/flow_runs/set_states), each decided and answered on its own.</summary>
public sealed class FlowRunStateBatchTests
{
    [Fact]
    public async Task SetStates_ProposalsOfSeveralRunsAndAnUnknownOne_EachDecidedByTheRulesAndAnsweredInOrder()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var runs = new[] { await client.RunAsync(deployment), await client.RunAsync(deployment), await client.RunAsync(deployment) };
        await client.ClaimAsync("p", max: 3);
        foreach (var run in runs[..2])
        {
            Assert.Equal(SetStateStatus.Accept, (await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running))).Status);
        }

        var unknown = Guid.NewGuid();
        var answer = await client.SetFlowRunStatesAsync(new FlowRunStateBatch(
        [
            new FlowRunStateProposal(runs[0].Id, new StateProposal(StateType.Completed)),
            new FlowRunStateProposal(unknown, new StateProposal(StateType.Completed)),
            new FlowRunStateProposal(runs[1].Id, new StateProposal(StateType.Failed, Message: "boom")),
            // Decided after the COMPLETED before it in the batch: the run has ended.
            new FlowRunStateProposal(runs[0].Id, new StateProposal(StateType.Running)),
            new FlowRunStateProposal(runs[2].Id, new StateProposal(StateType.Running)),
        ]));

        Assert.Equal([runs[0].Id, unknown, runs[1].Id, runs[0].Id, runs[2].Id], answer.Results.Select(r => r.FlowRunId));
        Assert.Equal((SetStateStatus.Accept, StateType.Completed), (answer.Results[0].Result!.Status, answer.Results[0].Result!.State.Type));
        Assert.Null(answer.Results[1].Result);
        Assert.Equal($"flow run {unknown} does not exist", answer.Results[1].Error);
        Assert.Equal((SetStateStatus.Accept, StateType.Failed, "boom"), (answer.Results[2].Result!.Status, answer.Results[2].Result!.State.Type, answer.Results[2].Result!.State.Message));
        Assert.Equal((SetStateStatus.Abort, StateType.Completed, "run is already in terminal state COMPLETED"),
            (answer.Results[3].Result!.Status, answer.Results[3].Result!.State.Type, answer.Results[3].Result!.Reason));
        Assert.Equal((SetStateStatus.Accept, StateType.Running), (answer.Results[4].Result!.Status, answer.Results[4].Result!.State.Type));
        Assert.Equal([StateType.Completed, StateType.Failed, StateType.Running],
            await Task.WhenAll(runs.Select(async run => (await client.GetFlowRunAsync(run.Id)).State.Type)));
    }

    [Fact]
    public async Task SetStates_SameBatchSentTwice_TheSecondWritesNothingAndIsAnsweredWithTheStatesOfTheFirst()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var runs = await client.RunningRunsAsync(2);

        // A retried request (its answer lost with the connection) carries the same transition ids.
        var batch = new FlowRunStateBatch([.. runs.Select(run => new FlowRunStateProposal(run, new StateProposal(StateType.Completed, TransitionId: Guid.NewGuid())))]);
        var first = await client.SetFlowRunStatesAsync(batch);
        var again = await client.SetFlowRunStatesAsync(batch);

        Assert.All(first.Results, r => Assert.Equal(SetStateStatus.Accept, r.Result!.Status));
        Assert.Equal(first.Results.Select(r => r.Result!.State.Id), again.Results.Select(r => r.Result!.State.Id));
        Assert.Equal(batch.Proposals.Select(p => p.Proposal.TransitionId!.Value), first.Results.Select(r => r.Result!.State.Id));
        foreach (var run in runs)
        {
            Assert.Single(await client.GetFlowRunStatesAsync(run), state => state.Type == StateType.Completed);
        }
    }

    [Fact]
    public async Task SetStates_CompletedRunFreesAPoolSlot_AWaitingClaimGetsTheNextRun()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p", limit: 1);
        var deployment = await client.DeploymentAsync("p");
        var holding = await client.RunAsync(deployment);
        var next = await client.RunAsync(deployment);
        Assert.Equal(holding.Id, Assert.Single((await client.ClaimAsync("p", max: 2)).Runs).FlowRun.Id);
        await client.SetFlowRunStateAsync(holding.Id, new StateProposal(StateType.Running));
        var waiting = client.ClaimAsync("p", max: 1, worker: "w2", waitSeconds: 60);

        await client.SetFlowRunStatesAsync(new FlowRunStateBatch([new FlowRunStateProposal(holding.Id, new StateProposal(StateType.Completed))]));

        var claimed = await waiting.WaitAsync(TimeSpan.FromSeconds(50));
        Assert.Equal(next.Id, Assert.Single(claimed.Runs).FlowRun.Id);
    }

    [Fact]
    public async Task SetStates_NoneTooManyOrAMessageTooLong_422NamingWhereAndNothingWritten()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var run = (await client.RunningRunsAsync(1))[0];

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.SetFlowRunStatesAsync(new FlowRunStateBatch([])), "proposals", "1 to 100");
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.SetFlowRunStatesAsync(new FlowRunStateBatch(
            [.. Enumerable.Range(0, 101).Select(_ => new FlowRunStateProposal(run, new StateProposal(StateType.Completed)))])), "proposals", "101");
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.SetFlowRunStatesAsync(new FlowRunStateBatch(
        [
            new FlowRunStateProposal(run, new StateProposal(StateType.Completed)),
            new FlowRunStateProposal(run, new StateProposal(StateType.Failed, Message: new string('x', 10_001))),
        ])), "proposals[1].proposal.message");

        Assert.Equal(StateType.Running, (await client.GetFlowRunAsync(run)).State.Type);
    }
}
