using System.Collections.Concurrent;

namespace Bosun.Server.Orchestration;

/// <summary>
/// Wake-ups per run: a log follower or an open run page watches one run, and only that run's lines and state changes
/// wake it (a broadcast signal woke every follower for every line written anywhere). A change of a run nobody watches
/// costs one dictionary lookup. <see cref="Notified"/> carries each change to the other server replicas
/// (<see cref="ReplicaNotifications"/>).
/// </summary>
internal sealed class RunSignals
{
    private readonly Lock _gate = new();
    // Copied on write: watches come and go rarely, changes are signalled all the time.
    private readonly ConcurrentDictionary<Guid, RunWatch[]> _watches = new();

    /// <summary>Raised by <see cref="Notify"/> (not by <see cref="NotifyLocal"/>): other server replicas should hear it too.</summary>
    public event Action<Guid, RunChange>? Notified;

    /// <summary>Starts watching <paramref name="runId"/>; dispose the watch to stop.</summary>
    public RunWatch Watch(Guid runId)
    {
        var watch = new RunWatch(runId, Remove);
        lock (_gate)
        {
            _watches[runId] = _watches.TryGetValue(runId, out var others) ? [.. others, watch] : [watch];
        }

        return watch;
    }

    /// <summary>Wakes this server's watchers of <paramref name="runId"/> and, through <see cref="Notified"/>, the other replicas'.</summary>
    public void Notify(Guid runId, RunChange change)
    {
        NotifyLocal(runId, change);
        Notified?.Invoke(runId, change);
    }

    /// <summary>Wakes this server's watchers of <paramref name="runId"/> only (a change another replica made).</summary>
    public void NotifyLocal(Guid runId, RunChange change)
    {
        if (_watches.TryGetValue(runId, out var watches))
        {
            foreach (var watch in watches)
            {
                watch.Signal(change);
            }
        }
    }

    /// <summary>Wakes every watcher of this server (after missing other replicas' notifications for a while).</summary>
    public void NotifyAllLocal(RunChange change)
    {
        foreach (var watches in _watches.Values)
        {
            foreach (var watch in watches)
            {
                watch.Signal(change);
            }
        }
    }

    private void Remove(RunWatch watch)
    {
        lock (_gate)
        {
            if (!_watches.TryGetValue(watch.RunId, out var watches))
            {
                return;
            }

            var rest = watches.Where(other => !ReferenceEquals(other, watch)).ToArray();
            if (rest.Length == 0)
            {
                _watches.TryRemove(watch.RunId, out _);
            }
            else
            {
                _watches[watch.RunId] = rest;
            }
        }
    }
}
