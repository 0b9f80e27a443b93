using System.Diagnostics;
using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Sdk;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Bench;

/// <summary>The tasks issue's benchmark: task runs recorded per second, and what 10 tasks add to a flow.</summary>
internal static class TaskBenchmarks
{
    [Task("noop")]
    private static int Noop(int value) => value;

    /// <summary>
    /// (a) One flow run calls a trivial task 1,000 times, one after the other, as the SDK runs it in a flow-run process
    /// (runner, batched recorder, real server over HTTP): task runs recorded per second, from the first call until the
    /// server has all 1,000 COMPLETED. (b) A flow body of 10 such calls against an empty one, each in its own flow run,
    /// including the final send of its reports (done before a flow's final state): the median difference.
    /// </summary>
    public static async Task<string> TasksAsync(int tasks, int samples)
    {
        await using var server = await BenchServer.StartAsync();
        using var client = server.NewClient();
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("bench-tasks", "bench", Entrypoint: "bench"));

        await RunFlowAsync(client, deployment, 200);
        var (elapsed, recorded) = await RunFlowAsync(client, deployment, tasks);

        var withTasks = new List<double>();
        var without = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            without.Add((await RunFlowAsync(client, deployment, 0)).Elapsed.TotalMilliseconds);
            withTasks.Add((await RunFlowAsync(client, deployment, 10)).Elapsed.TotalMilliseconds);
        }

        var (ten, none) = (new Stats(withTasks), new Stats(without));
        return $"{tasks:N0} tasks recorded in {elapsed.TotalSeconds:0.00} s = {recorded / elapsed.TotalSeconds:N0} task runs/s; "
            + $"flow with 10 tasks: median {ten.Percentile(50):0.00} ms, without: {none.Percentile(50):0.00} ms, "
            + $"overhead {ten.Percentile(50) - none.Percentile(50):0.00} ms (p99 {ten.Percentile(99):0.00} vs {none.Percentile(99):0.00} ms, n={samples})";
    }

    /// <summary>A flow body of <paramref name="tasks"/> sequential task calls, then the last send of its reports; checked on the server.</summary>
    private static async Task<(TimeSpan Elapsed, int Recorded)> RunFlowAsync(BosunClient client, Deployment deployment, int tasks)
    {
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject()));
        var logs = new LogShipper(client, TimeProvider.System, NullLogger<LogShipper>.Instance);
        await using var logScope = logs.ConfigureAwait(false);
        var recorder = new TaskRunRecorder(client, TimeProvider.System, NullLogger.Instance);
        var logger = new RunLogger(logs, run.Id);
        var stopwatch = Stopwatch.StartNew();
        recorder.Start();
        using (FlowContext.Enter(new FlowContext("bench-tasks", run.Id, run.Name, [], logger, CancellationToken.None)
        {
            TaskRunner = new TaskRunner(run.Id, client, recorder, logger, TimeProvider.System),
        }))
        {
            for (var i = 0; i < tasks; i++)
            {
                await Tasks.RunAsync(() => Noop(i));
            }
        }

        await recorder.DisposeAsync();
        stopwatch.Stop();
        var recorded = (await client.ListTaskRunsAsync(run.Id)).Count(t => t.State == Contracts.TaskRuns.TaskRunStateType.Completed);
        if (recorded != tasks)
        {
            throw new InvalidOperationException($"{recorded} of {tasks} task runs recorded COMPLETED");
        }

        return (stopwatch.Elapsed, recorded);
    }
}
