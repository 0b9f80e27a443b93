using System.Diagnostics;
using System.Net;
using Bosun.Contracts.Logs;
using Microsoft.Extensions.Logging;

namespace Bosun.Client;

/// <summary>
/// Ships run log lines to the API in batches (many runs per request), in the order they were added. Lines the server
/// does not take stay buffered and go with a later batch, so a server restart or an outage loses nothing: up to
/// <see cref="LogShipperOptions.MemoryLines"/> in memory, then in a spill file on disk up to
/// <see cref="LogShipperOptions.SpillFileBytes"/>. Past that, new lines are dropped: counted, reported in this
/// process's log as errors, and, once the server takes lines again, as one line in each affected run's logs.
/// </summary>
public sealed class LogShipper : IAsyncDisposable
{
    /// <summary>Most lines per request.</summary>
    public const int MaxBatch = 1000;

    /// <summary>
    /// Most message characters per request (a batch holds at least one line). Even escaped at six bytes a character, a batch
    /// stays below the server's default body limit (10 MiB), so that long lines are not refused for the request's size.
    /// </summary>
    public const int MaxBatchCharacters = 1024 * 1024;

    private readonly BosunClient _client;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<LogShipper> _logger;
    private readonly LogShipperOptions _options;
    private readonly Lock _lock = new();
    private readonly List<LogCreate> _memory = [];
    private readonly Dictionary<Guid, int> _droppedByRun = [];
    private readonly SemaphoreSlim _flushGate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    // Owned by the flush under _flushGate: the batch on its way, retried first after a failure (oldest of all).
    private readonly List<LogCreate> _sending = [];
    // The key of the batch in _sending, the same for every attempt: the server writes it once however often it is sent.
    private string _sendingKey = "";
    // The parts of a batch the server refused as a whole, first part first: sent before anything newer.
    private readonly List<List<LogCreate>> _refusedParts = [];
    // Learned from a batch the server refused for its size (413): the most a batch weighs (see Weight) until
    // _batchWeightUntil, when the full size is tried again (the server's limit may have been raised).
    private long _batchWeight = long.MaxValue;
    private DateTimeOffset _batchWeightUntil;
    private List<LogCreate> _fromSpill = [];
    private LogSpillFile? _spill;
    private Task? _loop;
    private long _dropped;
    private int _stopped;

    /// <summary>Creates a shipper with the default buffer limits.</summary>
    public LogShipper(BosunClient client, TimeProvider timeProvider, ILogger<LogShipper> logger)
        : this(client, timeProvider, logger, new LogShipperOptions())
    {
    }

    /// <summary>Creates a shipper with the given buffer limits.</summary>
    public LogShipper(BosunClient client, TimeProvider timeProvider, ILogger<LogShipper> logger, LogShipperOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _timeProvider = timeProvider;
        _logger = logger;
        _options = options;
    }

    /// <summary>The spill file in use, or null while everything fits in memory.</summary>
    public string? SpillFilePath
    {
        get
        {
            lock (_lock)
            {
                return _spill is { IsEmpty: false } spill ? spill.Path : null;
            }
        }
    }

    /// <summary>Lines dropped so far because memory and the spill file were full.</summary>
    public long DroppedLines => Interlocked.Read(ref _dropped);

    /// <summary>Starts the background loop that sends every 200 ms.</summary>
    public void Start() => _loop = Task.Run(() => LoopAsync(_stop.Token));

    /// <summary>Queues one line for <paramref name="runId"/>.</summary>
    public void Add(Guid runId, RunLogLevel level, string message, LogSource source) => Add(runId, level, message, source, null);

    /// <summary>Queues one line of a run written by the body of task run <paramref name="taskRunId"/> (null: not by a task).</summary>
    public void Add(Guid runId, RunLogLevel level, string message, LogSource source, Guid? taskRunId)
    {
        ArgumentNullException.ThrowIfNull(message);
        // The span the line is written in (a flow's task, a worker's watch of the run) goes with it.
        var span = Activity.Current;
        var line = new LogCreate(runId, _timeProvider.GetUtcNow(), level, message, source)
        {
            TraceId = span?.TraceId.ToHexString(),
            SpanId = span?.SpanId.ToHexString(),
            TaskRunId = taskRunId,
        };
        lock (_lock)
        {
            var start = 0;
            do
            {
                // A message longer than the server takes goes as consecutive lines, in order and otherwise alike.
                var length = Math.Min(LogCreate.MaxMessageLength, message.Length - start);
                if (length == LogCreate.MaxMessageLength && char.IsHighSurrogate(message[start + length - 1]))
                {
                    // A character made of two UTF-16 units stays whole, in the next part.
                    length--;
                }

                AddLocked(length == message.Length ? line : line with { Message = message.Substring(start, length) });
                start += length;
            }
            while (start < message.Length);
        }
    }

    /// <summary>Queues one line: in memory, or on disk once memory is full; dropped (and counted) when both are full.</summary>
    private void AddLocked(LogCreate line)
    {
        if (_memory.Count >= _options.MemoryLines && !TrySpillLocked())
        {
            var dropped = Interlocked.Increment(ref _dropped);
            _droppedByRun[line.FlowRunId] = _droppedByRun.GetValueOrDefault(line.FlowRunId) + 1;
            if (dropped % 1000 == 1)
            {
                Log.LogLinesDropped(_logger, dropped, _options.MemoryLines, _spill?.Path ?? "(none)", _options.SpillFileBytes);
            }

            return;
        }

        _memory.Add(line);
    }

    /// <summary>Sends everything buffered now, oldest first; returns false when the server did not take it.</summary>
    public Task<bool> FlushAsync(CancellationToken cancellationToken = default) => FlushCoreAsync(null, cancellationToken);

    /// <summary>
    /// Makes sure every line of <paramref name="runId"/> added so far has reached the server (what a run's final state
    /// must wait for): when one is still buffered, sends everything buffered now, oldest first, as
    /// <see cref="FlushAsync(CancellationToken)"/> does; when none is, sends nothing and leaves other runs' lines to the
    /// next batch, so that a run that logged nothing since the last batch ends without a request for its logs. Returns
    /// false when the server did not take them.
    /// </summary>
    public Task<bool> FlushRunAsync(Guid runId, CancellationToken cancellationToken = default) => FlushCoreAsync(runId, cancellationToken);

    private async Task<bool> FlushCoreAsync(Guid? runId, CancellationToken cancellationToken)
    {
        await _flushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (runId is { } run && !HoldsLinesOf(run))
            {
                return true;
            }

            while (true)
            {
                if (_sending.Count == 0 && !TakeNextBatch())
                {
                    return true;
                }

                try
                {
                    await _client.WriteLogBatchAsync(_sending, _sendingKey, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is BosunServerUnreachableException or HttpRequestException or BosunApiException { StatusCode: >= System.Net.HttpStatusCode.InternalServerError })
                {
                    Log.LogShippingFailed(_logger, _sending.Count, ex.Message);
                    return false;
                }
                catch (BosunApiException ex)
                {
                    OnRefused(ex);
                }

                _sending.Clear();
            }
        }
        finally
        {
            _flushGate.Release();
        }
    }

    /// <summary>
    /// The server refused the batch in <see cref="_sending"/> as a whole (a client error), though most of it may be fine: a
    /// run deleted meanwhile refuses every other run's lines with it, one line too large or invalid refuses the rest. The
    /// batch is sent again in parts, one per run, then halves of a run's lines, until what is refused is one run's lines
    /// (a deleted run, a run the caller may not write) or one line; only that is dropped. Each run's lines keep their order.
    /// </summary>
    private void OnRefused(BosunApiException refusal)
    {
        var parts = Split(_sending, refusal.StatusCode);
        lock (_lock)
        {
            if (refusal.StatusCode == HttpStatusCode.RequestEntityTooLarge && _sending.Count > 1)
            {
                // Too large for this server (or a proxy before it): the next batches are cut at half this one's weight
                // rather than each refused and split from its full size. A single line refused is no measure of the limit.
                _batchWeight = Math.Min(_batchWeight, Math.Max(1, Weight(_sending) / 2));
                _batchWeightUntil = _timeProvider.GetUtcNow() + BatchWeightMemory;
            }

            if (parts is not null)
            {
                Log.LogBatchSplit(_logger, _sending.Count, parts.Count, refusal.Message);
                _refusedParts.InsertRange(0, parts);
                return;
            }

            Log.LogLinesRefused(_logger, _sending.Count, refusal.Message);
            if (_sending is [var line] && RefusesLines(refusal.StatusCode))
            {
                // The run exists (that would be a 404): it is told what it misses, where the line was. The notice is
                // shorter than the line it stands for, so that a notice refused in turn is followed by a shorter one,
                // never by a loop.
                var reason = refusal.Message.Length <= 300 ? refusal.Message : refusal.Message[..300];
                var notice = $"A log line of {line.Message.Length} characters was refused by the Bosun server and is not stored: {reason}";
                if (notice.Length < line.Message.Length)
                {
                    _refusedParts.Insert(0, [new LogCreate(line.FlowRunId, line.Timestamp, RunLogLevel.Error, notice, LogSource.Worker) { TaskRunId = line.TaskRunId }]);
                }
            }
        }
    }

    /// <summary>How long a body limit learned from a 413 is kept before a batch of the full size is tried again.</summary>
    private static readonly TimeSpan BatchWeightMemory = TimeSpan.FromMinutes(10);

    /// <summary>What a line adds to a request's body, roughly: its message and ~200 bytes of the other fields in JSON.</summary>
    private static long Weight(LogCreate line) => line.Message.Length + 200L;

    private static long Weight(List<LogCreate> lines) => lines.Sum(Weight);

    /// <summary>The parts to send a refused batch again in, or null when it cannot be split further.</summary>
    private static List<List<LogCreate>>? Split(List<LogCreate> batch, HttpStatusCode status)
    {
        if (batch.Count < 2)
        {
            return null;
        }

        var byRun = batch.GroupBy(line => line.FlowRunId).Select(lines => lines.ToList()).ToList();
        if (byRun.Count > 1)
        {
            return byRun;
        }

        return RefusesLines(status) ? [batch[..(batch.Count / 2)], batch[(batch.Count / 2)..]] : null;
    }

    /// <summary>
    /// Whether a refusal is about some of the lines (too large, invalid) rather than about their run (404 for a deleted
    /// run, 403 for one the caller may not write, which every line of the run shares).
    /// </summary>
    private static bool RefusesLines(HttpStatusCode status) => status is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnprocessableEntity;

    /// <summary>
    /// Whether a line of <paramref name="runId"/> may still be on its way (under the flush gate): one in memory or in a
    /// batch not taken yet, or any line on disk or dropped (not looked into: the whole buffer goes then).
    /// </summary>
    private bool HoldsLinesOf(Guid runId)
    {
        lock (_lock)
        {
            return _sending.Count > 0 || _refusedParts.Count > 0 || _fromSpill.Count > 0 || _spill is { IsEmpty: false } || _droppedByRun.Count > 0
                || _memory.Exists(line => line.FlowRunId == runId);
        }
    }

    /// <summary>
    /// Moves the oldest waiting lines into <see cref="_sending"/>: a refused batch's next part first, then from the spill
    /// file, then memory.
    /// </summary>
    private bool TakeNextBatch()
    {
        lock (_lock)
        {
            if (_refusedParts.Count > 0)
            {
                _sending.AddRange(_refusedParts[0]);
                _refusedParts.RemoveAt(0);
                _sendingKey = Guid.NewGuid().ToString("N");
                return true;
            }

            if (_fromSpill.Count == 0 && _spill is { IsEmpty: false } spill)
            {
                _fromSpill = spill.TakeOldest();
            }

            var source = _fromSpill.Count > 0 ? _fromSpill : _memory;
            if (source.Count == 0)
            {
                ReportDroppedLocked();
                source = _memory;
            }

            if (_batchWeight != long.MaxValue && _timeProvider.GetUtcNow() >= _batchWeightUntil)
            {
                _batchWeight = long.MaxValue;
            }

            var (count, characters, weight) = (0, 0L, 0L);
            while (count < Math.Min(MaxBatch, source.Count)
                && (count == 0 || (characters + source[count].Message.Length <= MaxBatchCharacters && weight + Weight(source[count]) <= _batchWeight)))
            {
                characters += source[count].Message.Length;
                weight += Weight(source[count]);
                count++;
            }

            _sending.AddRange(source.GetRange(0, count));
            source.RemoveRange(0, count);
            _sendingKey = Guid.NewGuid().ToString("N");
            return count > 0;
        }
    }

    /// <summary>Everything is shipped: each run that lost lines gets one line saying how many (it sorts after what was kept).</summary>
    private void ReportDroppedLocked()
    {
        foreach (var (runId, count) in _droppedByRun)
        {
            _memory.Add(new LogCreate(runId, _timeProvider.GetUtcNow(), RunLogLevel.Error,
                $"{count} log line(s) of this run were dropped: the Bosun server did not take logs while {_options.MemoryLines} lines in memory and {_options.SpillFileBytes} bytes on disk filled up.",
                LogSource.Worker));
        }

        _droppedByRun.Clear();
    }

    private bool TrySpillLocked()
    {
        if (_spill is null)
        {
            var path = Path.Combine(_options.SpillDirectory, $"bosun-logs-{Environment.ProcessId}-{Guid.NewGuid():N}.jsonl");
            _spill = new LogSpillFile(path, _options.SpillFileBytes);
        }

        var first = _spill.IsEmpty;
        try
        {
            if (!_spill.TryAppend(_memory))
            {
                return false;
            }
        }
        catch (IOException ex)
        {
            Log.LogSpillFailed(_logger, _spill.Path, ex.Message);
            return false;
        }
        catch (UnauthorizedAccessException ex)
        {
            Log.LogSpillFailed(_logger, _spill.Path, ex.Message);
            return false;
        }

        if (first)
        {
            Log.LogsSpilling(_logger, _memory.Count, _spill.Path, _options.SpillFileBytes);
        }

        _memory.Clear();
        return true;
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var flushed = await FlushAsync(cancellationToken).ConfigureAwait(false);
                await Task.Delay(flushed ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(2), _timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Stops the background loop and sends what is left (once), retrying as the client does until
    /// <paramref name="cancellationToken"/> fires; what is still unsent then is reported as lost.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
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

        try
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Reported below, by DisposeAsync, when lines are left.
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
        _flushGate.Dispose();
        lock (_lock)
        {
            var unsent = _sending.Count + _refusedParts.Sum(part => part.Count) + _fromSpill.Count + _memory.Count;
            if (unsent > 0 || _spill is { IsEmpty: false })
            {
                Log.LogLinesAbandoned(_logger, unsent, _spill?.Path ?? "(none)");
            }

            _spill?.Dispose();
        }
    }
}
