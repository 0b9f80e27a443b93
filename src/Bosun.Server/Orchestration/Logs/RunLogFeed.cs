using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Server.Storage;

namespace Bosun.Server.Orchestration.Logs;

/// <summary>
/// The lines of one followed run, read from the store by one reader for all of the run's followers: a line is read once
/// however many follow it, and only that run's writes wake the reader (<see cref="RunSignals"/>). The feed keeps the
/// run's lines from where its slowest follower is, formatted once as the events followers send (<see cref="LogEventChunk"/>),
/// up to <see cref="MaxHeldBytes"/>: a follower further behind than that reads from the store until it reaches them. It
/// also decides when the run's log has ended (see <see cref="QuietPeriod"/>), once for all its followers.
/// Lines written through this server are handed to the feed as they are acknowledged (<see cref="HandOff"/>), so that
/// the reader, woken by their signal, finds nothing more in the store; it reads what came another way (another replica,
/// a hand-off that arrived out of order and found no place).
/// </summary>
internal sealed class RunLogFeed : IAsyncDisposable
{
    /// <summary>
    /// The most a feed holds (the events of ~270,000 lines of ~250 bytes), however far behind its slowest follower is: a
    /// follower behind what is held reads from the store until it catches up, each on its own, at several times the CPU
    /// per line. Below this, nothing a follower still has to send is dropped, so a burst of lines does not send every follower
    /// to the store at once (with 16 MiB, 100 followers of a 200,000-line burst sometimes all went, and ingestion fell from
    /// ~72,000 to ~29,000 lines/s). A client that stops reading is closed by Kestrel once a write has waited longer than it
    /// would take at 240 bytes/s (docs/logs.md), and its cursor goes with it.
    /// </summary>
    public const long DefaultMaxHeldBytes = 64 * 1024 * 1024;

    /// <summary>Lines per store read.</summary>
    public const int Page = 1_000;

    /// <summary>
    /// A run's log ends once the run is in a terminal state and no line has arrived for this long since it got there.
    /// The flow process sends its last lines before its final state, but the worker writes its own after the
    /// infrastructure exits (its exit code and the run's outcome), and its log shipper sends every 200 ms: they arrive
    /// after the final state. Every line that arrives within this period of the one before it is followed, whoever sends
    /// it (docs/logs.md).
    /// </summary>
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How often the run's state is read when no signal said it changed: a state written without a signal (a replica's
    /// notification lost while the database was away) must still end the follow.
    /// </summary>
    public static readonly TimeSpan StatePoll = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Store reads are at least this far apart: a run that writes all the time is read ten times a second with everything
    /// it wrote meanwhile, not once per batch it writes.
    /// </summary>
    public static readonly TimeSpan Gap = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The most hand-offs a feed keeps waiting for the lines before them (writes acknowledged together, whose hand-offs
    /// arrive in any order); past it they are dropped, and the reader finds their lines in the store.
    /// </summary>
    public const int MaxWaitingHandOffs = 64;

    private readonly Lock _gate = new();
    private readonly List<LogEventChunk> _chunks = [];
    private readonly List<Cursor> _cursors = [];
    private readonly List<WrittenLogLines> _waiting = [];
    private readonly BosunDatabase _database;
    private readonly TimeProvider _clock;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _heldBytes;
    private long _floor;
    private long _head;
    private bool _ended;
    private long _published;
    private DateTimeOffset? _lastLine;

    public RunLogFeed(Guid runId, BosunDatabase database, RunSignals signals, TimeProvider clock, ILogger logger, long maxHeldBytes)
    {
        RunId = runId;
        MaxHeldBytes = maxHeldBytes;
        _database = database;
        _clock = clock;
        // Watching before the first read: a line committed after it wakes the loop, one committed before is in it.
        var watch = signals.Watch(runId);
        Completion = RunAsync(watch, logger, _stop.Token);
    }

    public Guid RunId { get; }

    /// <summary>The most the feed holds (<see cref="DefaultMaxHeldBytes"/> unless a test says otherwise).</summary>
    public long MaxHeldBytes { get; }

    /// <summary>The bytes of events held now (for tests).</summary>
    public long HeldBytes
    {
        get
        {
            lock (_gate)
            {
                return _heldBytes;
            }
        }
    }

    /// <summary>Completes once the feed knows where the run's log stands (followers wait for it before their first read).</summary>
    public Task Ready => _ready.Task;

    /// <summary>Completes when the feed stops: the log ended, or the feed was disposed.</summary>
    public Task Completion { get; }

    /// <summary>Followers holding this feed (counted by <see cref="RunLogFeeds"/>).</summary>
    public int Followers { get; set; }

    /// <summary>A follower's place, from the line after <paramref name="after"/>; the feed keeps what it has yet to send.</summary>
    public Cursor Follow(long after)
    {
        var cursor = new Cursor(after);
        lock (_gate)
        {
            _cursors.Add(cursor);
        }

        return cursor;
    }

    /// <summary>The follower has left: the feed no longer keeps lines for it.</summary>
    public void Unfollow(Cursor cursor)
    {
        lock (_gate)
        {
            _cursors.Remove(cursor);
        }
    }

    /// <summary>Moves a follower's cursor past lines it read from the store.</summary>
    public void Move(Cursor cursor, long after)
    {
        lock (_gate)
        {
            cursor.After = after;
        }
    }

    /// <summary>
    /// The events of up to <paramref name="limit"/> held lines after the cursor, which moves past them. <c>Behind</c>: the
    /// follower is further back than the feed holds, and reads from the store (from the batch's <c>LastId</c> up to
    /// <c>Floor</c>, then <see cref="Move"/>s its cursor). <c>Changed</c> completes at the next news.
    /// </summary>
    public (LogEventBatch Batch, bool Behind, long Floor, bool Ended, Task Changed) Read(Cursor cursor, int limit)
    {
        lock (_gate)
        {
            if (cursor.After < _floor)
            {
                return (LogEventBatch.Empty(cursor.After), true, _floor, false, _changed.Task);
            }

            List<ReadOnlyMemory<byte>> events = [];
            var (count, last) = (0, cursor.After);
            for (var i = FirstChunkAfter(last); i < _chunks.Count && count < limit; i++)
            {
                var part = _chunks[i].After(last, limit - count);
                events.AddRange(part.Events);
                (count, last) = (count + part.Count, part.LastId);
            }

            cursor.After = last;
            return (new LogEventBatch(events, count, last), false, _floor, _ended && count == 0, _changed.Task);
        }
    }

    /// <summary>
    /// Lines a write through this server added to the run, handed over once the write is durable: published at once when
    /// the feed has every line before them; kept a moment when lines before them are still to come (another write of the
    /// same commit, whose hand-off has yet to arrive); dropped when the feed already has them. The write's signal follows
    /// in every case, so that the reader reads whatever no hand-off brought.
    /// </summary>
    public void HandOff(WrittenLogLines written)
    {
        if (!Ready.IsCompletedSuccessfully)
        {
            // Where the feed starts is being read: the reader reads these lines, or the feed starts after them.
            return;
        }

        TaskCompletionSource? changed;
        lock (_gate)
        {
            if (written.Lines[^1].Id <= _head || _ended)
            {
                return;
            }

            if (written.After > _head)
            {
                if (_waiting.Count < MaxWaitingHandOffs)
                {
                    _waiting.Add(written);
                }

                return;
            }

            changed = Add(written.Lines);
        }

        changed?.TrySetResult();
    }

    /// <summary>Stops the feed's reader.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Completion;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task RunAsync(RunWatch watch, ILogger logger, CancellationToken cancellationToken)
    {
        using var _ = watch;
        try
        {
            await ReadAsync(watch, logger, cancellationToken);
        }
        finally
        {
            _ready.TrySetCanceled(cancellationToken);
        }
    }

    private async Task ReadAsync(RunWatch watch, ILogger logger, CancellationToken cancellationToken)
    {
        (StateType Type, DateTimeOffset Since)? state = null;
        var stateRead = DateTimeOffset.MinValue;
        var retry = TimeSpan.FromMilliseconds(250);
        while (!cancellationToken.IsCancellationRequested)
        {
            var changes = watch.Take();
            try
            {
                if (!Ready.IsCompleted)
                {
                    // The feed holds lines from the run's newest on; followers read older ones from the store.
                    var last = await _database.ReadAsync(connection => LogStore.LastIdAsync(connection, RunId, cancellationToken), cancellationToken);
                    lock (_gate)
                    {
                        (_floor, _head) = (last, last);
                    }

                    _ready.TrySetResult();
                }

                // The state before the lines: the log may end only after a read that found nothing new past a terminal state.
                var now = _clock.GetUtcNow();
                if (state is null || changes.HasFlag(RunChange.State) || now - stateRead >= StatePoll)
                {
                    state = await _database.ReadAsync(connection => FlowRunSummaryStore.StateAsync(connection, RunId, cancellationToken), cancellationToken);
                    stateRead = now;
                    if (state is null)
                    {
                        // The run was deleted, and its lines with it: nothing more will come.
                        lock (_gate)
                        {
                            _ended = true;
                            NextChange().TrySetResult();
                        }

                        return;
                    }
                }

                var (published, lastLine) = Published();
                var lines = await ReadNewAsync(cancellationToken);
                var ended = lines.Count == 0 && QuietFrom(state.Value, lastLine) is { } from && now >= from + QuietPeriod;
                if (Publish(lines, ended, published))
                {
                    return;
                }

                retry = TimeSpan.FromMilliseconds(250);
                var until = QuietFrom(state.Value, Published().At) is { } quiet ? quiet + QuietPeriod : stateRead + StatePoll;
                await Task.WhenAny(watch.NextAsync(), Task.Delay(Max(until - now, TimeSpan.Zero), _clock, cancellationToken));
                await Task.Delay(Gap, _clock, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
            {
                // The store is away: followers wait, and the feed reads on where it left off once it is back.
                Log.LogFeedReadFailed(logger, RunId, retry, ex);
                await Task.Delay(retry, _clock, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
                retry = Max(retry, TimeSpan.FromSeconds(Math.Min(10, retry.TotalSeconds * 2)));
            }
        }
    }

    private async Task<List<LogEntry>> ReadNewAsync(CancellationToken cancellationToken)
    {
        var lines = new List<LogEntry>();
        long after;
        lock (_gate)
        {
            after = _head;
        }

        IReadOnlyList<LogEntry> page;
        do
        {
            var from = after;
            page = await _database.ReadAsync(connection => LogStore.ReadAsync(connection, RunId, from, Page, null, cancellationToken), cancellationToken);
            lines.AddRange(page);
            after = page.Count > 0 ? page[^1].Id : after;
        }
        while (page.Count == Page);

        return lines;
    }

    /// <summary>How many times lines were published, and when the last ones were.</summary>
    private (long Count, DateTimeOffset? At) Published()
    {
        lock (_gate)
        {
            return (_published, _lastLine);
        }
    }

    /// <summary>
    /// Publishes what the reader read, and the log's end when <paramref name="ended"/> and nothing was published since the
    /// reader's read began (<paramref name="published"/>: a hand-off meanwhile means lines are still coming). True when the
    /// log has ended.
    /// </summary>
    private bool Publish(List<LogEntry> lines, bool ended, long published)
    {
        TaskCompletionSource? changed;
        lock (_gate)
        {
            changed = Add(lines);
            if (ended && _published == published)
            {
                _ended = true;
                changed ??= NextChange();
            }

            ended = _ended;
        }

        changed?.TrySetResult();
        return ended;
    }

    /// <summary>
    /// Adds the lines the feed does not have yet (a read and a hand-off may bring the same), then the waiting hand-offs
    /// that follow on, and drops what no follower needs; under the gate. The change to complete, if anything was added.
    /// </summary>
    private TaskCompletionSource? Add(IReadOnlyList<LogEntry> lines)
    {
        var added = AddChunk(lines);
        for (var i = 0; i < _waiting.Count;)
        {
            var waiting = _waiting[i];
            if (waiting.Lines[^1].Id <= _head)
            {
                _waiting.RemoveAt(i);
            }
            else if (waiting.After <= _head)
            {
                _waiting.RemoveAt(i);
                added |= AddChunk(waiting.Lines);
                i = 0;
            }
            else
            {
                i++;
            }
        }

        if (!added)
        {
            return null;
        }

        _published++;
        _lastLine = _clock.GetUtcNow();

        // What every follower has sent goes (the newest chunk stays, for followers that join from near the end), and
        // the oldest goes past the cap, whoever has yet to send it.
        var slowest = _cursors.Count == 0 ? _head : _cursors.Min(cursor => cursor.After);
        while (_chunks.Count > 1 && (_chunks[0].LastId <= slowest || _heldBytes > MaxHeldBytes))
        {
            _floor = _chunks[0].LastId;
            _heldBytes -= _chunks[0].Bytes;
            _chunks.RemoveAt(0);
        }

        return NextChange();
    }

    /// <summary>Holds the lines after the head as a chunk; false when there are none. Under the gate.</summary>
    private bool AddChunk(IReadOnlyList<LogEntry> lines)
    {
        var first = 0;
        while (first < lines.Count && lines[first].Id <= _head)
        {
            first++;
        }

        if (first == lines.Count)
        {
            return false;
        }

        var chunk = new LogEventChunk(first == 0 ? lines : lines.Skip(first).ToList());
        _chunks.Add(chunk);
        _heldBytes += chunk.Bytes;
        _head = lines[^1].Id;
        return true;
    }

    /// <summary>The change followers wait for now, replaced by the next one; under the gate.</summary>
    private TaskCompletionSource NextChange()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return changed;
    }

    /// <summary>The index of the first held chunk with a line after <paramref name="after"/>.</summary>
    private int FirstChunkAfter(long after)
    {
        int low = 0, high = _chunks.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (_chunks[middle].LastId <= after)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    /// <summary>When the log's quiet period starts: the later of the run's terminal state and its last line; null while the run is not finished.</summary>
    private static DateTimeOffset? QuietFrom((StateType Type, DateTimeOffset Since) state, DateTimeOffset? lastLine) =>
        state.Type.IsTerminal() ? Later(state.Since, lastLine) : null;

    private static DateTimeOffset Later(DateTimeOffset time, DateTimeOffset? other) => other is { } value && value > time ? value : time;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Where a follower is: the id of the last line it was given (read and moved under the feed's lock).</summary>
    internal sealed class Cursor(long after)
    {
        public long After { get; set; } = after;
    }
}
