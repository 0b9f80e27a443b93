using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.TaskRuns;

namespace Bosun.Sdk;

/// <summary>
/// The task runs a flow run completed before it suspended itself, by the key each was recorded with (its cache key, or
/// its replay key: its inputs and ordinal). A suspended run re-runs its flow from the start; each task call whose key is
/// here takes that task run's result instead of running its body again — Prefect's persisted results of a run, Temporal's
/// replay of completed activities.
/// </summary>
internal sealed class TaskReplay
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<TaskRun>> _byKey = new(StringComparer.Ordinal);

    private TaskReplay(IEnumerable<TaskRun> earlier)
    {
        foreach (var taskRun in earlier.Where(t => t is { State: TaskRunStateType.Completed, CacheKey: not null }).OrderBy(t => t.Created))
        {
            _byKey.GetOrAdd(taskRun.CacheKey!, static _ => new ConcurrentQueue<TaskRun>()).Enqueue(taskRun);
        }
    }

    /// <summary>How many completed task runs can answer calls.</summary>
    public int Count => _byKey.Values.Sum(queue => queue.Count);

    /// <summary>Takes the earliest completed task run recorded under <paramref name="key"/> (one with a result when <paramref name="needsResult"/>).</summary>
    public bool TryTake(string key, bool needsResult, [NotNullWhen(true)] out TaskRun? earlier)
    {
        earlier = null;
        if (!_byKey.TryGetValue(key, out var queue) || !queue.TryPeek(out var first) || (needsResult && !first.HasResult))
        {
            return false;
        }

        // A cache key is shared by every call with the same inputs: its task run answers them all.
        if (key.StartsWith("replay:", StringComparison.Ordinal))
        {
            return queue.TryDequeue(out earlier);
        }

        earlier = first;
        return true;
    }

    /// <summary>The replay of a run resumed from a suspension (it has suspension inputs); null for any other run.</summary>
    public static async Task<TaskReplay?> LoadAsync(BosunClient client, FlowRun run, CancellationToken cancellationToken) =>
        run.SuspendInputs is { Count: > 0 }
            ? new TaskReplay(await client.ListTaskRunsAsync(run.Id, cancellationToken).ConfigureAwait(false))
            : null;
}
