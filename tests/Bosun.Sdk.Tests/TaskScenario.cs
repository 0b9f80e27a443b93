using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.TaskRuns;
using Bosun.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Sdk.Tests;

/// <summary>
/// A flow run of a real server, with the SDK's task runner for it in this process: what a flow-run process sets up, with
/// the clock the test chooses. Disposing it sends the last task-run reports, as a flow-run process does before its final state.
/// </summary>
internal sealed class TaskScenario : IAsyncDisposable
{
    private readonly LogShipper _logs;
    private readonly TaskRunRecorder _recorder;
    private readonly FlowContext _context;

    private TaskScenario(BosunClient client, FlowRun run, TimeProvider clock, int taskConcurrency)
    {
        Client = client;
        Run = run;
        _logs = new LogShipper(client, TimeProvider.System, NullLogger<LogShipper>.Instance);
        _logs.Start();
        _recorder = new TaskRunRecorder(client, TimeProvider.System, NullLogger.Instance);
        _recorder.Start();
        var logger = new RunLogger(_logs, run.Id);
        _context = new FlowContext("tasks", run.Id, run.Name, [], logger, CancellationToken.None)
        {
            TaskRunner = new TaskRunner(run.Id, client, _recorder, logger, clock) { TaskConcurrency = taskConcurrency },
        };
    }

    public BosunClient Client { get; }

    /// <summary>
    /// Makes this run's context current for the caller. Called from the test itself: a context set inside an async
    /// method (as StartAsync) is gone when that method returns, as an AsyncLocal is.
    /// </summary>
    public IDisposable Enter() => FlowContext.Enter(_context);

    public FlowRun Run { get; }

    /// <summary>Creates a flow run of a served deployment "tasks/test"; <paramref name="taskConcurrency"/> as the flow's <see cref="FlowAttribute.TaskConcurrency"/>.</summary>
    public static async Task<TaskScenario> StartAsync(BosunClient client, TimeProvider clock, int taskConcurrency = 0)
    {
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("tasks", "test", Entrypoint: "test"));
        return new TaskScenario(client, await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject())), clock, taskConcurrency);
    }

    /// <summary>Sends the waiting reports and log lines and returns the run's task runs as the server has them.</summary>
    public async Task<IReadOnlyList<TaskRun>> RecordedAsync()
    {
        Assert.True(await _recorder.FlushAsync());
        Assert.True(await _logs.FlushAsync());
        return await Client.ListTaskRunsAsync(Run.Id);
    }

    public async ValueTask DisposeAsync()
    {
        await _recorder.DisposeAsync();
        await _logs.DisposeAsync();
    }
}
