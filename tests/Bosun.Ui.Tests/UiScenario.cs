using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Worker;

namespace Bosun.Ui.Tests;

/// <summary>Workers and shell-command deployments for the UI tests (as in Bosun.Worker.Tests).</summary>
internal static class UiScenario
{
    public static WorkerOptions Worker(string pool, string name) => new()
    {
        PoolName = pool,
        Type = "process",
        Name = name,
        HeartbeatInterval = TimeSpan.FromSeconds(5),
        ClaimWait = TimeSpan.FromSeconds(5),
        CancellationPollInterval = TimeSpan.FromMilliseconds(200),
        StopGracePeriod = TimeSpan.FromSeconds(5),
        DrainGracePeriod = TimeSpan.FromSeconds(2),
    };

    /// <summary>A process-pool deployment whose flow is the shell <paramref name="command"/>.</summary>
    public static Task<Deployment> CommandDeploymentAsync(this BosunClient client, string pool, string name, string command, JsonObject? parameterSchema = null,
        JsonObject? jobVariables = null) =>
        client.UpsertDeploymentAsync(new DeploymentUpsert("shell", name, command, ParameterSchema: parameterSchema, WorkPoolName: pool, JobVariables: jobVariables));
}
