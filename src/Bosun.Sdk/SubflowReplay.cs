using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;

namespace Bosun.Sdk;

/// <summary>
/// The subflow runs a flow run completed before it suspended itself. A suspended run re-runs its flow from the start; a
/// subflow call whose flow and parameters match a completed child run takes that run's result instead of running the
/// subflow again as a new child — the subflow counterpart of <see cref="TaskReplay"/>. Calls are matched as task calls
/// are: the n-th call of a flow with given parameters takes the n-th completed child run of that flow with those
/// parameters, oldest first. The children of one flow are read from the server when that flow is first called.
/// </summary>
internal sealed class SubflowReplay(BosunClient client, Guid parentId)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Task<List<FlowRun>>> _byFlow = new(StringComparer.Ordinal);

    /// <summary>
    /// Takes the oldest completed child run of <paramref name="flowName"/> with these parameters not taken yet; null when
    /// there is none (the call runs as a new child).
    /// </summary>
    public async Task<FlowRun?> TryTakeAsync(string flowName, JsonObject parameters, CancellationToken cancellationToken)
    {
        Task<List<FlowRun>> loading;
        lock (_lock)
        {
            if (!_byFlow.TryGetValue(flowName, out loading!))
            {
                // Read once for every call of this flow; not with this call's token, which may belong to one call only.
                loading = LoadAsync(flowName, CancellationToken.None);
                _byFlow[flowName] = loading;
            }
        }

        var candidates = await loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            var index = candidates.FindIndex(child => JsonNode.DeepEquals(child.Parameters, parameters));
            if (index < 0)
            {
                return null;
            }

            var taken = candidates[index];
            candidates.RemoveAt(index);
            return taken;
        }
    }

    /// <summary>The completed subflow runs of <paramref name="flowName"/> (not the deployment runs this run started), oldest first.</summary>
    private async Task<List<FlowRun>> LoadAsync(string flowName, CancellationToken cancellationToken)
    {
        var children = await client.ListChildFlowRunsAsync(parentId, flowName, [StateType.Completed], cancellationToken).ConfigureAwait(false);
        var runs = new List<FlowRun>();
        foreach (var child in children.Where(c => c.DeploymentName is null))
        {
            runs.Add(await client.GetFlowRunAsync(child.Id, cancellationToken).ConfigureAwait(false));
        }

        return runs.OrderBy(run => run.Created).ThenBy(run => run.Id).ToList();
    }
}
