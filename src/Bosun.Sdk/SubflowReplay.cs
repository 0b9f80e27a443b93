using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.TaskRuns;

namespace Bosun.Sdk;

/// <summary>
/// The subflow runs a flow run completed before it suspended itself. A suspended run re-runs its flow from the start; a
/// subflow call whose flow, parameters and caller match a completed child run takes that run's result instead of running
/// the subflow again as a new child — the subflow counterpart of <see cref="TaskReplay"/>. The caller is the flow's own
/// body or the task call that made the subflow call (<see cref="TaskCaller"/>: the task's name and the call key its task
/// run records), so two tasks calling the same subflow with the same parameters each get their own child back. Among
/// matching children the n-th call takes the n-th, oldest first. The children of one flow are read from the server when
/// that flow is first called; the parent's task runs, to know each child's caller, once.
/// </summary>
internal sealed class SubflowReplay(BosunClient client, Guid parentId)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Task<List<(FlowRun Run, TaskCaller? Caller)>>> _byFlow = new(StringComparer.Ordinal);
    private Task<Dictionary<Guid, TaskRun>>? _callers;

    /// <summary>
    /// Takes the oldest completed child run of <paramref name="flowName"/> with these parameters, started by the same
    /// caller (<paramref name="caller"/>, null for the flow's own body), not taken yet; null when there is none (the call
    /// runs as a new child).
    /// </summary>
    public async Task<FlowRun?> TryTakeAsync(string flowName, JsonObject parameters, TaskCaller? caller, CancellationToken cancellationToken)
    {
        Task<List<(FlowRun Run, TaskCaller? Caller)>> loading;
        lock (_lock)
        {
            if (!_byFlow.TryGetValue(flowName, out loading!))
            {
                // Read once for every call of this flow; not with this call's token, which may belong to one call only.
                _callers ??= LoadCallersAsync(CancellationToken.None);
                loading = LoadAsync(flowName, _callers, CancellationToken.None);
                _byFlow[flowName] = loading;
            }
        }

        var candidates = await loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            var index = candidates.FindIndex(child => child.Caller == caller && JsonNode.DeepEquals(child.Run.Parameters, parameters));
            if (index < 0)
            {
                return null;
            }

            var taken = candidates[index];
            candidates.RemoveAt(index);
            return taken.Run;
        }
    }

    /// <summary>The parent's task runs by id: a child's caller is the one its <see cref="FlowRun.ParentTaskRunId"/> names.</summary>
    private async Task<Dictionary<Guid, TaskRun>> LoadCallersAsync(CancellationToken cancellationToken) =>
        (await client.ListTaskRunsAsync(parentId, cancellationToken).ConfigureAwait(false)).ToDictionary(taskRun => taskRun.Id);

    /// <summary>
    /// The completed subflow runs of <paramref name="flowName"/> (not the deployment runs this run started), oldest first,
    /// each with the task call that started it (null: the flow's own body). A child whose task run is not known has a
    /// caller no call matches: it is not replayed.
    /// </summary>
    private async Task<List<(FlowRun Run, TaskCaller? Caller)>> LoadAsync(string flowName, Task<Dictionary<Guid, TaskRun>> callers, CancellationToken cancellationToken)
    {
        var children = await client.ListChildFlowRunsAsync(parentId, flowName, [StateType.Completed], cancellationToken).ConfigureAwait(false);
        var runs = new List<FlowRun>();
        foreach (var child in children.Where(c => c.DeploymentName is null))
        {
            runs.Add(await client.GetFlowRunAsync(child.Id, cancellationToken).ConfigureAwait(false));
        }

        var taskRuns = runs.Any(run => run.ParentTaskRunId is not null) ? await callers.ConfigureAwait(false) : [];
        return runs.OrderBy(run => run.Created).ThenBy(run => run.Id)
            .Select(run => (run, run.ParentTaskRunId is not { } taskRunId ? null
                : taskRuns.TryGetValue(taskRunId, out var taskRun) ? new TaskCaller(taskRun.TaskName, taskRun.CacheKey) : new TaskCaller($"unknown task run {taskRunId}", null)))
            .ToList();
    }
}
