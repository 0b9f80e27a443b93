namespace Bosun.Server.Orchestration;

/// <summary>
/// A broadcast wake-up: every waiter of <see cref="NextAsync"/> is released by the next <see cref="Notify"/>.
/// Waiters then re-read the store; the signal carries no data, so a missed one costs at most one wait.
/// </summary>
internal abstract class ChangeSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A task that completes at the next <see cref="Notify"/>.</summary>
    public Task NextAsync() => Volatile.Read(ref _next).Task;

    /// <summary>Raised by <see cref="Notify"/> (not by <see cref="NotifyLocal"/>): other server replicas should hear it too.</summary>
    public event Action? Notified;

    /// <summary>Wakes this server's waiters and, through <see cref="Notified"/>, the other replicas'.</summary>
    public void Notify()
    {
        NotifyLocal();
        Notified?.Invoke();
    }

    /// <summary>Wakes this server's waiters only (a notification that came from another replica).</summary>
    public void NotifyLocal()
    {
        var fired = Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        fired.TrySetResult();
    }
}
