using Bosun.Contracts;
using Bosun.Contracts.Logs;
using Bosun.Server.Domain;
using Bosun.Server.Orchestration.FlowRuns;
using Bosun.Server.Orchestration.Security;
using Bosun.Server.Orchestration.Validation;
using Bosun.Server.Storage;

namespace Bosun.Server.Orchestration.Logs;

/// <summary>Batched log writes, paged reads and the live follow.</summary>
internal sealed class LogService(
    BosunDatabase database, RunSignals runSignals, RunLogFeeds feeds, SecretRedactor redactor, TimeProvider timeProvider, Metrics.ServerMetrics metrics)
{
    public const int MaxBatch = 5_000;

    /// <summary>How long a batch's key is remembered: a batch sent again later than this may be written twice.</summary>
    public static readonly TimeSpan BatchKeyRetention = TimeSpan.FromDays(1);

    private static readonly TimeSpan ForgetEvery = TimeSpan.FromMinutes(10);

    private long _nextForget;

    /// <summary>
    /// Writes a batch of lines. With a <paramref name="batchKey"/> (the request's Idempotency-Key), a batch whose key was
    /// already written is acknowledged without writing it again: a client that resends a batch whose answer it lost
    /// stores each line once.
    /// </summary>
    public async Task WriteAsync(IReadOnlyList<LogCreate> lines, BosunCaller caller, string? batchKey, CancellationToken cancellationToken)
    {
        if (lines.Count == 0)
        {
            return;
        }

        IdempotencyKeys.Check(batchKey);

        if (lines.Count > MaxBatch)
        {
            throw new ValidationException("logs", [$"at most {MaxBatch} lines per request; this one has {lines.Count}"]);
        }

        var runIds = lines.Select(line => line.FlowRunId).Distinct().ToList();
        var followed = runIds.Where(feeds.IsFollowed).ToList();
        var now = timeProvider.GetUtcNow();
        var forget = TimeToForget(now);
        var written = await database.WriteAsync<IReadOnlyList<WrittenLogLines>>(async scope =>
        {
            if (forget)
            {
                await LogStore.ForgetBatchesAsync(scope, now - BatchKeyRetention, cancellationToken);
            }

            // A batch written already is acknowledged again before anything else is checked: sent again after a lost
            // answer, it must not be refused because one of its runs was deleted since (the shipper would then send the
            // other runs' lines again, as new batches).
            if (batchKey is not null && !await LogStore.RecordBatchAsync(scope, batchKey, now, cancellationToken))
            {
                return [];
            }

            // A run token writes the logs of its own tree only. Checked here, after the key: a subflow deleted since the
            // batch was first written would otherwise refuse the batch sent again.
            if (caller.RunId is { } ownRun && runIds.Any(id => id != ownRun)
                && await FlowRunStore.FirstOutsideTreeAsync(scope, runIds, ownRun, cancellationToken) is { } outside)
            {
                throw new ForbiddenException($"A token for flow run {ownRun} may write the logs of that run and of its subflows and child runs only; flow run {outside} is not one of them.");
            }

            var known = await FlowRunStore.ExistingAsync(scope, runIds, cancellationToken);
            var unknown = runIds.Where(id => !known.Contains(id)).ToList();
            if (unknown.Count > 0)
            {
                // The whole transaction is undone, the batch's key with it.
                throw FlowRunService.NotFound(unknown[0]);
            }

            // Secret values never reach the store, whoever printed them.
            var redact = await redactor.RedactorAsync(cancellationToken);
            return await LogStore.InsertAsync(scope, lines.Select(line => line with { Message = redact(line.Message) }).ToList(), followed, cancellationToken);
        }, cancellationToken);
        metrics.LogLinesIngested.Add(lines.Count);

        // The followers on this server take the lines from memory; the signal still goes out, for the UI, the other
        // replicas, and a feed whose hand-off found no place (it reads the store then).
        foreach (var runLines in written)
        {
            feeds.HandOff(runLines);
        }

        foreach (var runId in runIds)
        {
            runSignals.Notify(runId, RunChange.Lines);
        }
    }

    /// <summary>Whether this write should also forget old batch keys: one write in <see cref="ForgetEvery"/> does.</summary>
    private bool TimeToForget(DateTimeOffset now)
    {
        var due = Interlocked.Read(ref _nextForget);
        var ms = now.ToUnixTimeMilliseconds();
        return ms >= due && Interlocked.CompareExchange(ref _nextForget, ms + (long)ForgetEvery.TotalMilliseconds, due) == due;
    }

    /// <summary>
    /// A page of the run's lines after <paramref name="after"/>. The total is counted for the first page only (no
    /// <paramref name="after"/>); later pages report -1 there, so that reading a run page by page costs the same per page
    /// however long the run is.
    /// </summary>
    public async Task<Page<LogEntry>> ReadAsync(Guid runId, long after, int limit, LogTaskFilter? tasks, CancellationToken cancellationToken) =>
        await database.ReadAsync(async connection =>
        {
            await FlowRunService.EnsureExistsAsync(connection, runId, cancellationToken);
            var items = await LogStore.ReadAsync(connection, runId, after, limit, tasks, cancellationToken);
            var total = after == 0 ? await LogStore.CountAsync(connection, runId, tasks, cancellationToken) : -1;
            return new Page<LogEntry>(items, total, 0, limit);
        }, cancellationToken);

    /// <summary>Up to <paramref name="limit"/> lines after <paramref name="after"/>, for a reader that knows the run exists.</summary>
    public Task<IReadOnlyList<LogEntry>> ReadAfterAsync(Guid runId, long after, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => LogStore.ReadAsync(connection, runId, after, limit, null, cancellationToken), cancellationToken);

    /// <summary>The run's last <paramref name="count"/> lines.</summary>
    public Task<IReadOnlyList<LogEntry>> ReadLastAsync(Guid runId, int count, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => LogStore.ReadLastAsync(connection, runId, count, cancellationToken), cancellationToken);

    /// <summary>Throws <see cref="NotFoundException"/> unless the run exists.</summary>
    public Task EnsureRunExistsAsync(Guid runId, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            await FlowRunService.EnsureExistsAsync(connection, runId, cancellationToken);
            return 0;
        }, cancellationToken);

    /// <summary>
    /// The events of the run's lines after <paramref name="after"/> in batches, as they arrive, until its log has ended: the
    /// run is finished and no line came for <see cref="RunLogFeed.QuietPeriod"/> (docs/logs.md). The run's followers share
    /// one reader, and each line is formatted once for all of them (<see cref="RunLogFeed"/>).
    /// </summary>
    public async IAsyncEnumerable<LogEventBatch> FollowAsync(Guid runId, long after,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var feed = feeds.Join(runId);
        var cursor = feed.Follow(after);
        try
        {
            await feed.Ready.WaitAsync(cancellationToken);
            while (true)
            {
                var (held, behind, floor, ended, changed) = feed.Read(cursor, RunLogFeed.Page);
                if (behind)
                {
                    var lines = await ReadAfterAsync(runId, held.LastId, RunLogFeed.Page, cancellationToken);
                    var last = lines.Count > 0 ? lines[^1].Id : held.LastId;
                    // Lines up to the feed's floor that the store no longer has were deleted: go on from the floor.
                    feed.Move(cursor, lines.Count < RunLogFeed.Page ? Math.Max(last, floor) : last);
                    if (lines.Count > 0)
                    {
                        yield return new LogEventChunk(lines).All();
                    }

                    continue;
                }

                if (held.Count > 0)
                {
                    yield return held;
                    continue;
                }

                if (ended)
                {
                    yield break;
                }

                await changed.WaitAsync(cancellationToken);
            }
        }
        finally
        {
            feed.Unfollow(cursor);
            feeds.Leave(feed);
        }
    }
}
