using System.Collections.Concurrent;

namespace Bosun.Server.Orchestration;

/// <summary>
/// Something may have become claimable in a pool: a run created or rescheduled, a slot freed, a pool or queue resumed.
/// Waits and wake-ups are per pool, so that a run created in one pool wakes only the long-polling claims of that pool
/// (one broadcast woke every waiting claim of every pool, and each re-ran its claim on the single writer: with a
/// thousand idle workers, creating a run cost half a second). Claims are keyed by the pool's id; served deployments (no pool) share the key
/// <see cref="Served"/>; the scheduler's sweep wakes the pools of the runs it made. A change whose pools are not known
/// (the abandoned-run sweep, a run's deletion) wakes everyone with <see cref="NotifyAll"/>. The signal carries no data: waiters re-read the store, so a
/// missed wake-up costs at most one wait.
/// </summary>
internal sealed class ClaimSignal
{
    /// <summary>The key of the claims of serving processes, whose runs have no pool.</summary>
    public static readonly Guid Served = Guid.Empty;

    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _waits = new();

    /// <summary>
    /// Raised by <see cref="Notify(Guid?)"/> with the pool's id, and by <see cref="NotifyAll"/> with null (not by the local
    /// variants): other server replicas should hear it too.
    /// </summary>
    public event Action<Guid?>? Notified;

    /// <summary>A task that completes at the next notification for <paramref name="pool"/> (a pool's id, or <see cref="Served"/>) or for all.</summary>
    public Task NextAsync(Guid pool) =>
        _waits.GetOrAdd(pool, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Wakes this server's claims waiting on <paramref name="pool"/> (null: its runs have no pool) and the other replicas'.</summary>
    public void Notify(Guid? pool)
    {
        NotifyLocal(pool ?? Served);
        Notified?.Invoke(pool ?? Served);
    }

    /// <summary>
    /// Wakes the claims of each of <paramref name="pools"/> (null: runs with no pool), here and on the other replicas
    /// (whose notifications of a burst are coalesced into one, naming up to 20 pools, else all).
    /// </summary>
    public void Notify(IEnumerable<Guid?> pools)
    {
        foreach (var pool in pools)
        {
            Notify(pool);
        }
    }

    /// <summary>Wakes every waiting claim of this server and the other replicas'.</summary>
    public void NotifyAll()
    {
        NotifyAllLocal();
        Notified?.Invoke(null);
    }

    /// <summary>Wakes this server's claims waiting on <paramref name="pool"/> only (a notification from another replica).</summary>
    public void NotifyLocal(Guid pool)
    {
        // Removed before completed: a claim that asks for the next wake-up after this one gets a fresh wait, and it took
        // that wait before claiming, so it sees the change that caused this one.
        if (_waits.TryRemove(pool, out var fired))
        {
            fired.TrySetResult();
        }
    }

    /// <summary>
    /// After a run's state change that may let another run be claimed (<see cref="Storage.TransitionOutcome.WakesClaims"/>):
    /// wakes the claims of the run's pool, or everyone's when a deployment limit freed a slot (the deployment's runs
    /// may sit in several pools after it moved).
    /// </summary>
    public void NotifyFor(Storage.FlowRunRow run)
    {
        if (run.DeploymentConcurrencyLimit is not null)
        {
            NotifyAll();
        }
        else
        {
            Notify(run.WorkPoolId);
        }
    }

    /// <summary>Wakes every waiting claim of this server only.</summary>
    public void NotifyAllLocal()
    {
        foreach (var pool in _waits.Keys)
        {
            NotifyLocal(pool);
        }
    }
}
