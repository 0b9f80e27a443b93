using Bosun.Client;
using Bosun.Contracts.TaskRuns;
using Microsoft.Extensions.Logging;

namespace Bosun.Sdk;

/// <summary>
/// Sends task-run reports to the server in the background, many per request: a task's transition costs the flow one
/// dictionary write. Only the newest report of each task run waits to be sent (the server keeps the newest anyway), so
/// the buffer holds at most one report per task run, however long the server is away; the client rides out an outage
/// within its retry window and the reports go when the server is back.
/// </summary>
internal sealed class TaskRunRecorder(BosunClient client, TimeProvider timeProvider, ILogger logger) : IAsyncDisposable
{
    /// <summary>Most reports per request.</summary>
    public const int MaxBatch = 1000;

    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, TaskRunReport> _waiting = [];
    private readonly SemaphoreSlim _flushGate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    /// <summary>How long the background loop waits between sends.</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    public void Start() => _loop = Task.Run(() => LoopAsync(_stop.Token));

    public void Add(TaskRunReport report)
    {
        lock (_lock)
        {
            if (!_waiting.TryGetValue(report.Id, out var older) || older.Sequence < report.Sequence)
            {
                _waiting[report.Id] = report;
            }
        }
    }

    /// <summary>Sends everything waiting now; returns false when the server did not take it (it is sent again later).</summary>
    public async Task<bool> FlushAsync(CancellationToken cancellationToken = default)
    {
        await _flushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                List<TaskRunReport> batch;
                lock (_lock)
                {
                    batch = _waiting.Values.Take(MaxBatch).ToList();
                    foreach (var report in batch)
                    {
                        _waiting.Remove(report.Id);
                    }
                }

                if (batch.Count == 0)
                {
                    return true;
                }

                try
                {
                    await client.RecordTaskRunsAsync(batch, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is BosunServerUnreachableException or HttpRequestException or OperationCanceledException
                    or BosunApiException { StatusCode: >= System.Net.HttpStatusCode.InternalServerError })
                {
                    // Back in the queue unless a newer report of the same task run arrived meanwhile.
                    foreach (var report in batch)
                    {
                        Add(report);
                    }

                    Log.TaskRunsNotRecorded(logger, batch.Count, ex.Message);
                    if (ex is OperationCanceledException)
                    {
                        throw;
                    }

                    return false;
                }
                catch (BosunApiException ex)
                {
                    // Refused (the run was deleted meanwhile): these reports can never be recorded; say so and go on.
                    Log.TaskRunsRefused(logger, batch.Count, ex.Message);
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
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var flushed = await FlushAsync(cancellationToken).ConfigureAwait(false);
                await Task.Delay(flushed ? Interval : TimeSpan.FromSeconds(2), timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Stops the loop and sends what is left, riding out an outage as the client does.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        _stop.Dispose();
        _flushGate.Dispose();
    }
}
