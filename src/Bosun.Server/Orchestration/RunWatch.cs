namespace Bosun.Server.Orchestration;

/// <summary>
/// One watcher of one run (<see cref="RunSignals.Watch"/>): it gathers the changes signalled since it last looked, and
/// <see cref="NextAsync"/> completes while any are waiting. Take the changes before reading, so that a change that
/// lands during the read wakes the next one.
/// </summary>
internal sealed class RunWatch(Guid runId, Action<RunWatch> remove) : IDisposable
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RunChange _pending;
    private bool _disposed;

    public Guid RunId { get; } = runId;

    /// <summary>Completes when a change is waiting (at once if one already is).</summary>
    public Task NextAsync()
    {
        lock (_gate)
        {
            return _signal.Task;
        }
    }

    /// <summary>The changes since the last call, cleared.</summary>
    public RunChange Take()
    {
        lock (_gate)
        {
            var pending = _pending;
            _pending = RunChange.None;
            if (_signal.Task.IsCompleted)
            {
                _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            return pending;
        }
    }

    public void Signal(RunChange change)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            _pending |= change;
            signal = _signal;
        }

        signal.TrySetResult();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        remove(this);
    }
}
