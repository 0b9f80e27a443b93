using System.Net;
using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>Pause and resume through the API: the input schema, validated input, and the states around them.</summary>
public sealed class PauseApiTests
{
    private static readonly JsonObject ApprovalSchema = JsonNode.Parse("""
        {"type": "object", "properties": {"approved": {"type": "boolean"}, "reviewer": {"type": "string"}}, "required": ["approved", "reviewer"]}
        """)!.AsObject();

    [Fact]
    public async Task ResumeFlowRun_PausedWithASchema_InvalidInput422ThenValidInputRunningWithIt()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var run = await RunningAsync(client);

        var paused = await client.PauseFlowRunAsync(run.Id, new FlowRunPause(ApprovalSchema, 3600));
        Assert.Equal((SetStateStatus.Accept, StateType.Paused), (paused.Status, paused.State.Type));
        var read = await client.GetFlowRunAsync(run.Id);
        Assert.Equal("boolean", read.PauseInputSchema!["properties"]!["approved"]!["type"]!.GetValue<string>());
        Assert.NotNull(read.PauseTimeout);

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => client.ResumeFlowRunAsync(run.Id, new FlowRunResume(new JsonObject { ["approved"] = "yes" })), "reviewer");
        Assert.Equal(StateType.Paused, (await client.GetFlowRunAsync(run.Id)).State.Type);

        var resumed = await client.ResumeFlowRunAsync(run.Id, new FlowRunResume(new JsonObject { ["approved"] = true, ["reviewer"] = "ada" }));

        Assert.Equal((StateType.Running, 1), (resumed.State.Type, resumed.RunCount));
        Assert.Equal("ada", resumed.ResumeInput!["reviewer"]!.GetValue<string>());
        Assert.Null(resumed.PauseInputSchema);
        await ApiAssert.FailsAsync(HttpStatusCode.Conflict, () => client.ResumeFlowRunAsync(run.Id, new FlowRunResume()), "only a PAUSED run");
    }

    [Fact]
    public async Task PauseFlowRun_NotRunningOrBadSchema_AbortOr422()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var scheduled = await client.RunAsync(await client.DeploymentAsync("p"));

        Assert.Equal(SetStateStatus.Abort, (await client.PauseFlowRunAsync(scheduled.Id, new FlowRunPause())).Status);
        Assert.Equal(StateType.Scheduled, (await client.GetFlowRunAsync(scheduled.Id)).State.Type);
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => client.PauseFlowRunAsync(scheduled.Id, new FlowRunPause(new JsonObject { ["type"] = 12 })), "input_schema");
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.PauseFlowRunAsync(scheduled.Id, new FlowRunPause(TimeoutSeconds: 0)), "timeout_seconds");
    }

    [Fact]
    public async Task CancelFlowRun_Paused_CancelledAtOnce()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var run = await RunningAsync(client);
        await client.PauseFlowRunAsync(run.Id, new FlowRunPause());

        await client.CancelFlowRunAsync(run.Id);

        Assert.Equal(StateType.Cancelled, (await client.GetFlowRunAsync(run.Id)).State.Type);
    }

    private static async Task<FlowRun> RunningAsync(Bosun.Client.BosunClient client)
    {
        await client.PoolAsync("p");
        var run = await client.RunAsync(await client.DeploymentAsync("p"));
        await client.ClaimAsync("p");
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        return run;
    }
}
