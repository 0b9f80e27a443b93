using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Cli.Tests;

/// <summary>Parent and child runs in `bosun flow-run inspect` and `bosun flow-run ls --parent`, against a real server.</summary>
public sealed class SubflowCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly CliRunner _cli = fixture.NewCli();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task InspectAndLs_ParentWithASubflow_LinkShownBothWaysAndChildrenListed()
    {
        var pool = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(pool);
        var parent = await fixture.Client.RunAsync(await fixture.Client.DeploymentAsync(pool, flow: ServerFixture.Unique("flow")));
        await fixture.Client.ClaimAsync(pool);
        await fixture.Client.SetFlowRunStateAsync(parent.Id, new StateProposal(StateType.Running));
        var child = await fixture.Client.CreateSubflowRunAsync(parent.Id, new SubflowRunCreate(ServerFixture.Unique("child")));

        var parentInspect = (await _cli.RunAsync("flow-run", "inspect", parent.Name)).Succeeded();
        var childInspect = (await _cli.RunAsync("flow-run", "inspect", child.Id.ToString())).Succeeded();
        var listed = (await _cli.RunAsync("flow-run", "ls", "--parent", parent.Name, "--output", "json")).Json();

        Assert.Contains("Child runs", parentInspect.Out, StringComparison.Ordinal);
        Assert.Contains($"{child.Name} {child.FlowName} PENDING", parentInspect.Out, StringComparison.Ordinal);
        Assert.Contains("Parent", childInspect.Out, StringComparison.Ordinal);
        Assert.Contains(parent.Name, childInspect.Out, StringComparison.Ordinal);
        Assert.Equal([child.Id.ToString()], listed.EnumerateArray().Select(r => r.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Resume_PausedRun_InspectShowsTheSchemaAndResumeCarriesTheInput()
    {
        var pool = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(pool);
        var run = await fixture.Client.RunAsync(await fixture.Client.DeploymentAsync(pool, flow: ServerFixture.Unique("flow")));
        await fixture.Client.ClaimAsync(pool);
        await fixture.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        await fixture.Client.PauseFlowRunAsync(run.Id, new FlowRunPause(System.Text.Json.Nodes.JsonNode.Parse(
            """{"type": "object", "properties": {"approved": {"type": "boolean"}}, "required": ["approved"]}""")!.AsObject(), 3600));

        var inspect = (await _cli.RunAsync("flow-run", "inspect", run.Name)).Succeeded();
        (await _cli.RunAsync("flow-run", "resume", run.Name, "--input", "approved=maybe")).FailedWith("approved");
        (await _cli.RunAsync("flow-run", "resume", run.Name, "--input", "approved=true")).Succeeded();

        Assert.Contains("Resume input", inspect.Out, StringComparison.Ordinal);
        Assert.Contains("\"approved\"", inspect.Out, StringComparison.Ordinal);
        var resumed = await fixture.Client.GetFlowRunAsync(run.Id);
        Assert.Equal(StateType.Running, resumed.State.Type);
        Assert.True(resumed.ResumeInput!["approved"]!.GetValue<bool>());
        (await _cli.RunAsync("flow-run", "resume", run.Name)).FailedWith("only a PAUSED run");
    }
}
