using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.Templates;
using Bosun.Contracts.WorkPools;

namespace Bosun.Worker.Runtime;

/// <summary>
/// The runs of deployments a process serves (no work pool): claimed as <paramref name="processName"/>; a run's job is
/// the process pool's default template with the deployment's job variables, started in this process's directory.
/// </summary>
public sealed class ServedDeploymentsClaimSource(BosunClient client, IReadOnlyList<Guid> deploymentIds, string processName, WorkerOptions options) : ClaimSource
{
    public override string Description => $"{deploymentIds.Count} served deployment(s)";

    /// <summary>Set when the runs run inside this process (<see cref="Infrastructure.FlowRunInfrastructure.InProcessId"/>): due runs are claimed RUNNING on it.</summary>
    public string? InProcessInfrastructureId { get; init; }

    internal override async Task<IReadOnlyList<ClaimedFlowRun>> ClaimAsync(int maxRuns, TimeSpan prefetch, bool wait, CancellationToken cancellationToken) =>
        (await client.ClaimServedFlowRunsAsync(
            new ServedClaimRequest(processName, deploymentIds, maxRuns, prefetch.TotalSeconds, wait ? options.ClaimWait.TotalSeconds : 0)
            {
                InProcessInfrastructureId = InProcessInfrastructureId,
            },
            cancellationToken).ConfigureAwait(false)).Runs;

    /// <summary>A claim that does not wait and carries final states of this process's ended runs; their answers (null from a server that did not decide them).</summary>
    internal async Task<(IReadOnlyList<ClaimedFlowRun> Runs, IReadOnlyList<FlowRunSetStateResult>? Results)> ClaimCarryingAsync(
        int maxRuns, TimeSpan prefetch, IReadOnlyList<FlowRunStateProposal> states, CancellationToken cancellationToken)
    {
        var answer = await client.ClaimServedFlowRunsAsync(
            new ServedClaimRequest(processName, deploymentIds, maxRuns, prefetch.TotalSeconds, 0)
            {
                InProcessInfrastructureId = InProcessInfrastructureId,
                States = states,
            },
            cancellationToken).ConfigureAwait(false);
        return (answer.Runs, answer.StateResults is { } results && results.Count == states.Count ? results : null);
    }

    internal override async Task<IReadOnlyList<Guid>> ListCancellingAsync(CancellationToken cancellationToken) =>
        (await EachDeploymentAsync(filter => AllAsync(client, filter with { States = [StateType.Cancelling] }, cancellationToken)).ConfigureAwait(false))
        .Select(run => run.Id).ToList();

    internal override Task<IReadOnlyList<FlowRunSummary>> ListHeldAsync(CancellationToken cancellationToken) =>
        EachDeploymentAsync(filter => ClaimedByAsync(client, filter with { States = [StateType.Pending, StateType.Running] }, processName, cancellationToken));

    /// <summary>What <paramref name="list"/> finds for each served deployment's filter, one deployment after the other.</summary>
    private async Task<IReadOnlyList<FlowRunSummary>> EachDeploymentAsync(Func<FlowRunFilter, Task<IReadOnlyList<FlowRunSummary>>> list)
    {
        var found = new List<FlowRunSummary>();
        foreach (var deploymentId in deploymentIds)
        {
            found.AddRange(await list(new FlowRunFilter(DeploymentId: deploymentId)).ConfigureAwait(false));
        }

        return found;
    }

    internal override JsonObject RenderJob(ClaimedFlowRun run, Action<string> note)
    {
        var template = DefaultJobTemplates.For(WorkPoolTypes.Process);
        var values = JobTemplateRenderer.MergeVariables(template["variables"] as JsonObject, run.Deployment.JobVariables, run.FlowRun.JobVariables);
        var configuration = JobTemplateRenderer.Render(template, values, Environment.GetEnvironmentVariable);
        // A served flow runs where the serving process was started, as if called from it (relative paths keep working).
        if (configuration["working_dir"] is not JsonValue directory || !directory.TryGetValue<string>(out var path) || string.IsNullOrWhiteSpace(path))
        {
            configuration["working_dir"] = Environment.CurrentDirectory;
        }

        return configuration;
    }
}
