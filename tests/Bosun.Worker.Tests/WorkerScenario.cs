using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Testing;
using Bosun.Worker;

namespace Bosun.Worker.Tests;

/// <summary>Helpers shared by the worker tests: deployments of shell commands, and waiting for run states.</summary>
internal static class WorkerScenario
{
    public static WorkerOptions Options(string pool, int? limit = null) => new()
    {
        PoolName = pool,
        Type = "process",
        Name = $"test-worker-{Guid.NewGuid():N}"[..20],
        Limit = limit,
        HeartbeatInterval = TimeSpan.FromSeconds(5),
        ClaimWait = TimeSpan.FromSeconds(5),
        CancellationPollInterval = TimeSpan.FromMilliseconds(200),
        StopGracePeriod = TimeSpan.FromSeconds(5),
        DrainGracePeriod = TimeSpan.FromSeconds(5),
    };

    public static Task<Deployment> CommandDeploymentAsync(this BosunClient client, string pool, string command, string name = "dep", JsonObject? jobVariables = null) =>
        client.UpsertDeploymentAsync(new DeploymentUpsert("shell", name, command, WorkPoolName: pool, JobVariables: jobVariables));

    public static Task<FlowRun> WaitForStateAsync(this BosunClient client, Guid runId, Func<FlowRunState, bool> accept, string what, TimeSpan? timeout = null) =>
        Eventually.ValueAsync(() => client.GetFlowRunAsync(runId), run => accept(run.State), what, timeout);

    public static Task<FlowRun> WaitForTerminalAsync(this BosunClient client, Guid runId, TimeSpan? timeout = null) =>
        client.WaitForStateAsync(runId, state => state.Type.IsTerminal(), $"run {runId} is finished", timeout);

    public static async Task<IReadOnlyList<LogEntry>> LogsAsync(this BosunClient client, Guid runId) =>
        (await client.ReadLogsAsync(runId, limit: 500)).Items;

    /// <summary>Waits until the worker's last log line for the run ("the run is X") has been shipped.</summary>
    public static Task<IReadOnlyList<LogEntry>> FinalLogsAsync(this BosunClient client, Guid runId) =>
        Eventually.ValueAsync(() => client.LogsAsync(runId), lines => lines.Any(l => l.Message.Contains("the run is", StringComparison.Ordinal)), "the worker's final log line arrived");
}
