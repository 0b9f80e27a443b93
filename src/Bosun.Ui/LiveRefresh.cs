namespace Bosun.Ui;

/// <summary>
/// Keeps a page current without reloading: re-reads through <c>refresh</c> once a second, sooner when the page's wake-up
/// fires (its run wrote lines or changed state), but never more than four times a second. The loop runs on the circuit's
/// synchronization context, so <c>refresh</c> may change state and re-render.
/// </summary>
internal sealed class LiveRefresh : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MinimumGap = TimeSpan.FromMilliseconds(250);

    private readonly TimeProvider _timeProvider;
    private readonly Func<CancellationToken, Task> _refresh;
    private readonly Action<Exception> _failed;
    private readonly Func<Task?> _nextWake;
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _poke = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;

    /// <param name="timeProvider">The clock of the waits.</param>
    /// <param name="refresh">Reads what the page shows.</param>
    /// <param name="failed">Shows why a read failed; the next tick tries again.</param>
    /// <param name="nextWake">A task that completes at the page's next wake-up (null: none), taken before each read.</param>
    public LiveRefresh(TimeProvider timeProvider, Func<CancellationToken, Task> refresh, Action<Exception> failed, Func<Task?> nextWake)
    {
        _timeProvider = timeProvider;
        _refresh = refresh;
        _failed = failed;
        _nextWake = nextWake;
    }

    /// <summary>Starts the loop: with a read at once, or (<paramref name="readFirst"/> false: the page has its data already) after the first wait.</summary>
    public void Start(bool readFirst) => _loop = RunAsync(readFirst, _stop.Token);

    /// <summary>Refresh now (after a user action or a change of route parameters), without waiting for the timer.</summary>
    public void Poke() => _poke.TrySetResult();

    private async Task RunAsync(bool read, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (_poke.Task.IsCompleted)
            {
                _poke = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            // Taken before reading, so a change that lands during the read still wakes the next one.
            List<Task> woken = _nextWake() is { } wake ? [wake, _poke.Task] : [_poke.Task];
            if (read)
            {
                try
                {
                    await _refresh(cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
#pragma warning disable CA1031 // A failed read is shown on the page and retried at the next tick; it must not end live updates.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    _failed(ex);
                }
            }

            read = true;
            try
            {
                await Task.Delay(MinimumGap, _timeProvider, cancellationToken);
                woken.Add(Task.Delay(Interval - MinimumGap, _timeProvider, cancellationToken));
                await Task.WhenAny(woken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // The loop ends by cancellation.
        }

        _stop.Dispose();
    }
}
