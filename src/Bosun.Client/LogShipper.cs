using Bosun.Contracts.Logs;
using Microsoft.Extensions.Logging;

namespace Bosun.Client;

/// <summary>
/// Ships run log lines to the API in batches (many runs per request). Lines that fail to send stay buffered and go
/// with the next batch, so a server restart loses nothing; past <see cref="MaxBuffered"/> the oldest are dropped, loudly.
/// </summary>
public sealed class LogShipper(BosunClient client, TimeProvider timeProvider, ILogger<LogShipper> logger) : IAsyncDisposable
{
    /// <summary>Most lines per request.</summary>
    public const int MaxBatch = 1000;

    /// <summary>Most lines kept while the server does not take them.</summary>
    public const int MaxBuffered = 100_000;

    private readonly Lock _lock = new();
    private readonly List<LogCreate> _buffer = [];
    private readonly SemaphoreSlim _flushGate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private int _dropped;
    private int _stopped;

    /// <summary>Starts the background loop that sends every 200 ms.</summary>
    public void Start() => _loop = Task.Run(() => LoopAsync(_stop.Token));

    /// <summary>Queues one line for <paramref name="runId"/>.</summary>
    public void Add(Guid runId, RunLogLevel level, string message, LogSource source)
    {
        lock (_lock)
        {
            if (_buffer.Count >= MaxBuffered)
            {
                _buffer.RemoveAt(0);
                if (++_dropped % 1000 == 1)
                {
                    Log.LogLinesDropped(logger, _dropped, MaxBuffered);
                }
            }

            _buffer.Add(new LogCreate(runId, timeProvider.GetUtcNow(), level, message, source));
        }
    }

    /// <summary>Sends everything buffered now; returns false when the server did not take it.</summary>
    public async Task<bool> FlushAsync(CancellationToken cancellationToken = default)
    {
        await _flushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                List<LogCreate> batch;
                lock (_lock)
                {
                    if (_buffer.Count == 0)
                    {
                        return true;
                    }

                    batch = _buffer.GetRange(0, Math.Min(MaxBatch, _buffer.Count));
                }

                try
                {
                    await client.WriteLogsAsync(batch, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is BosunServerUnreachableException or HttpRequestException or BosunApiException { StatusCode: >= System.Net.HttpStatusCode.InternalServerError })
                {
                    Log.LogShippingFailed(logger, batch[0].FlowRunId, batch.Count, ex);
                    return false;
                }
                catch (BosunApiException)
                {
                    // A client error (a run deleted meanwhile): these lines can never be written; drop them.
                }

                lock (_lock)
                {
                    _buffer.RemoveRange(0, batch.Count);
                }
            }
        }
        finally
        {
            _flushGate.Release();
        }
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
                delay = await FlushAsync(cancellationToken).ConfigureAwait(false)
                    ? TimeSpan.FromMilliseconds(200)
                    : TimeSpan.FromSeconds(Math.Min(10, delay.TotalSeconds * 2));
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Stops the background loop and sends what is left (once).</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        await FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
        _flushGate.Dispose();
    }
}
