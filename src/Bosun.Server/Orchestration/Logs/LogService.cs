using Bosun.Contracts;
using Bosun.Contracts.Logs;
using Bosun.Server.Domain;
using Bosun.Server.Orchestration.FlowRuns;
using Bosun.Server.Orchestration.Security;
using Bosun.Server.Storage;

namespace Bosun.Server.Orchestration.Logs;

/// <summary>Batched log writes, paged reads and the live follow.</summary>
internal sealed class LogService(BosunDatabase database, LogSignal logSignal, SecretRedactor redactor)
{
    public const int MaxBatch = 5_000;
    public const int MaxMessageLength = 64 * 1024;

    public async Task WriteAsync(IReadOnlyList<LogCreate> lines, BosunCaller caller, CancellationToken cancellationToken)
    {
        if (lines.Count == 0)
        {
            return;
        }

        if (caller.RunId is { } ownRun && lines.Any(line => line.FlowRunId != ownRun))
        {
            throw new ForbiddenException($"A token for flow run {ownRun} may write that run's logs only.");
        }

        if (lines.Count > MaxBatch)
        {
            throw new ValidationException("logs", [$"at most {MaxBatch} lines per request; this one has {lines.Count}"]);
        }

        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Message is null)
            {
                throw new ValidationException($"[{i}].message", ["must not be null"]);
            }

            if (lines[i].Message.Length > MaxMessageLength)
            {
                throw new ValidationException($"[{i}].message", [$"is {lines[i].Message.Length} characters; the limit is {MaxMessageLength}"]);
            }
        }

        var runIds = lines.Select(line => line.FlowRunId).Distinct().ToList();
        await database.WriteAsync(async scope =>
        {
            var known = await FlowRunStore.ExistingAsync(scope, runIds, cancellationToken);
            var unknown = runIds.Where(id => !known.Contains(id)).ToList();
            if (unknown.Count > 0)
            {
                throw FlowRunService.NotFound(unknown[0]);
            }

            // Secret values never reach the store, whoever printed them.
            var redact = await redactor.RedactorAsync(cancellationToken);
            await LogStore.InsertAsync(scope, lines.Select(line => line with { Message = redact(line.Message) }).ToList(), cancellationToken);
            return 0;
        }, cancellationToken);
        logSignal.Notify();
    }

    public async Task<Page<LogEntry>> ReadAsync(Guid runId, long after, int limit, CancellationToken cancellationToken) =>
        await database.ReadAsync(async connection =>
        {
            await FlowRunService.EnsureExistsAsync(connection, runId, cancellationToken);
            var items = await LogStore.ReadAsync(connection, runId, after, limit, cancellationToken);
            var total = await LogStore.CountAsync(connection, runId, cancellationToken);
            return new Page<LogEntry>(items, total, 0, limit);
        }, cancellationToken);

    /// <summary>Yields lines after <paramref name="after"/> as they arrive, until the run is finished and drained.</summary>
    public async IAsyncEnumerable<LogEntry> FollowAsync(Guid runId, long after, Func<Task<bool>> runFinished,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var signalled = logSignal.NextAsync();
            var finished = await runFinished();
            var batch = await database.ReadAsync(connection => LogStore.ReadAsync(connection, runId, after, 1000, cancellationToken), cancellationToken);
            foreach (var entry in batch)
            {
                after = entry.Id;
                yield return entry;
            }

            if (batch.Count == 1000)
            {
                continue;
            }

            if (finished)
            {
                yield break;
            }

            await signalled.WaitAsync(TimeSpan.FromSeconds(15), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
