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
}
