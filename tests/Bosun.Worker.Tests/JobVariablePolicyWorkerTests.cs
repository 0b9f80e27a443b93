using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Worker.Tests;

/// <summary>
/// The worker applies its pool's job-variable policy again before it creates anything (real worker, real child
/// processes): a policy tightened after the run was accepted still holds.
/// </summary>
public sealed class JobVariablePolicyWorkerTests
{
    private static Task<WorkPool> OpenPoolAsync(TestServer server) =>
        server.Client.CreateWorkPoolAsync(new WorkPoolCreate("proc", WorkPoolTypes.Process) { JobVariablePolicy = new Dictionary<string, JobVariableRule>() });

    private static Task<WorkPool> TightenAsync(TestServer server, string variable, JobVariableRule rule) =>
        server.Client.UpdateWorkPoolAsync("proc", new WorkPoolUpdate { JobVariablePolicy = new Dictionary<string, JobVariableRule> { [variable] = rule } });

    [Fact]
    public async Task Worker_ConstrainedValueRefusedAfterRunWasCreated_CrashedBeforeAnythingStarts()
    {
        await using var server = await TestServer.StartAsync();
        await OpenPoolAsync(server);
        var folder = TempDirectory.Create("bosun-policy");
        var deployment = await server.Client.CommandDeploymentAsync("proc", FakeFlow.Shell("touch started"), jobVariables: new JsonObject { ["working_dir"] = folder });
        var run = await server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await TightenAsync(server, "working_dir", new JobVariableRule(JobVariableRuleMode.Constrained, Allowed: []));
        await using var worker = await TestWorker.StartAsync(server, WorkerScenario.Options("proc"));

        var done = await server.Client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Contains("job-variable policy refuses working_dir (constrained to one of [])", done.State.Message, StringComparison.Ordinal);
        Assert.Null(done.InfrastructureId);
        Assert.False(File.Exists(Path.Combine(folder, "started")), "the flow-run process started although the policy refused its working_dir");
        TempDirectory.Delete(folder);
    }

    [Fact]
    public async Task Worker_LockedAfterRunWasCreated_PoolValueWinsAndTheRunLogSaysSo()
    {
        await using var server = await TestServer.StartAsync();
        await OpenPoolAsync(server);
        var deployment = await server.Client.CommandDeploymentAsync("proc", FakeFlow.Shell($"{FakeFlow.Propose("RUNNING")}; echo mark=${{MARK:-unset}}; {FakeFlow.Propose("COMPLETED")}"),
            jobVariables: new JsonObject { ["env"] = new JsonObject { ["MARK"] = "from-the-deployment" } });
        var run = await server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await TightenAsync(server, "env", new JobVariableRule(JobVariableRuleMode.Locked));
        await using var worker = await TestWorker.StartAsync(server, WorkerScenario.Options("proc"));

        var done = await server.Client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Completed, done.State.Type);
        var logs = await server.Client.FinalLogsAsync(run.Id);
        Assert.Contains(logs, l => l is { Source: LogSource.Infrastructure, Message: "mark=unset" });
        Assert.Contains(logs, l => l.Message.Contains("job-variable policy set env to the pool's value (env is locked to unset)", StringComparison.Ordinal));
        Assert.DoesNotContain(logs, l => l.Message.Contains("from-the-deployment", StringComparison.Ordinal));
    }
}
