using Bosun.Contracts.States;
using Bosun.Server.Storage;

namespace Bosun.Server.Orchestration.FlowRuns;

/// <summary>
/// RUNNING proposals held until their runs' due time (<see cref="BosunServerOptions.DueHold"/>), decided together: every
/// proposal due within the same millisecond in one write transaction when that millisecond comes, rather than one timer,
/// one read and one write each. Runs due at the same time (a schedule's burst, a fan-out) then start together, not one
/// after another behind the store's single writer.
/// </summary>
internal sealed class HeldProposals(BosunDatabase database, TimeProvider timeProvider, ILogger<HeldProposals> logger)
{
    /// <summary>
    /// The most proposals decided in one transaction. The audit entries of a transaction's proposals are inserted by one
    /// statement, 8 parameters each, and a statement takes at most 32,766 parameters on SQLite and 65,535 on PostgreSQL:
    /// more than about 4,000 audited proposals due at once would not fit. A larger batch is decided in transactions of this
    /// many, one after another.
    /// </summary>
    public const int MaxPerTransaction = 500;

    private readonly Lock _lock = new();
    private readonly Dictionary<long, List<Held>> _byDue = [];

    /// <summary>Proposals held now (tests wait on it).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byDue.Values.Sum(held => held.Count);
            }
        }
    }

    /// <summary>
    /// Decides <paramref name="proposal"/> for <paramref name="runId"/> at <paramref name="due"/>, with the others due then:
    /// the outcome (null: the run does not exist) and the time it was decided at. A caller that gives up before its batch is
    /// decided leaves nothing decided for it.
    /// </summary>
    public async Task<(TransitionOutcome? Outcome, DateTimeOffset DecidedAt)> DecideAtAsync(Guid runId, StateProposal proposal, DateTimeOffset due, CancellationToken cancellationToken)
    {
        // Due times are stored in milliseconds; the caller's due time is its own clock plus the WAIT (a tick either side of
        // the run's): the nearest millisecond is the run's, the same for every proposal for runs due then.
        var millisecond = (due.UtcTicks + (TimeSpan.TicksPerMillisecond / 2)) / TimeSpan.TicksPerMillisecond;
        var held = new Held(runId, proposal);
        bool first;
        lock (_lock)
        {
            first = !_byDue.TryGetValue(millisecond, out var batch);
            if (first)
            {
                _byDue[millisecond] = batch = [];
            }

            batch!.Add(held);
        }

        if (first)
        {
            // The batch is no one request's: it runs without the ambient state of the request that happened to come first
            // (its audited change, its trace), and writes every request's audit entry itself.
            using (ExecutionContext.SuppressFlow())
            {
                _ = Task.Run(() => DecideWhenDueAsync(millisecond), CancellationToken.None);
            }
        }

        await using var registration = cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                if (_byDue.TryGetValue(millisecond, out var batch) && batch.Remove(held))
                {
                    held.Answer.TrySetCanceled(cancellationToken);
                }
            }
        });
        return await held.Answer.Task;
    }

    private async Task DecideWhenDueAsync(long millisecond)
    {
        var due = new DateTimeOffset(millisecond * TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
        for (var wait = due - timeProvider.GetUtcNow(); wait > TimeSpan.Zero; wait = due - timeProvider.GetUtcNow())
        {
            // Timers count whole milliseconds and truncate: rounded up, and looked at again, the batch is never decided before
            // its time (a decision a hair early would answer WAIT, and every proposal would be held again on its own).
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds)), timeProvider);
        }

        List<Held> batch;
        lock (_lock)
        {
            batch = _byDue[millisecond];
            _byDue.Remove(millisecond);
        }

        foreach (var part in batch.Chunk(MaxPerTransaction))
        {
            await DecideAsync(part);
        }
    }

    /// <summary>
    /// Decides <paramref name="batch"/> in one write transaction that also takes the audit entry of every request in it
    /// (each request's change then stands or falls with its entry, as a change alone does). If the
    /// transaction fails (an entry the store refuses, say), each proposal is decided alone, so that it fails only its own.
    /// </summary>
    private async Task DecideAsync(IReadOnlyList<Held> batch)
    {
        var now = timeProvider.GetUtcNow();
        try
        {
            // Every entry goes with the batch's writes (one round trip on PostgreSQL), before their outcomes are known, as a
            // request's own entry goes with its change's first write.
            List<AuditedChange> recorded = [.. batch.Select(held => held.Change).OfType<AuditedChange>().Where(change => change.IsPending)];
            var proposals = batch.Select(held => held.Proposal).ToList();
            var outcomes = await database.WriteAsync(scope =>
            {
                if (recorded.Count > 0)
                {
                    var (sql, parameters) = AuditStore.InsertAll([.. recorded.Select(change => change.Entry)]);
                    scope.Defer(sql, parameters, recorded.Count);
                }

                return FlowRunStore.TryTransitionAllAsync(scope, proposals, now, CancellationToken.None);
            }, CancellationToken.None);
            foreach (var change in recorded)
            {
                change.MarkRecorded();
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Answer.TrySetResult((outcomes[i], now));
            }
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            Log.HeldBatchDecidedOneByOne(logger, batch.Count, ex);
            foreach (var held in batch)
            {
                await DecideAsync([held]);
            }
        }
        catch (Exception ex)
        {
            batch[0].Answer.TrySetException(ex);
        }
    }

    private sealed class Held(Guid runId, StateProposal proposal)
    {
        public FlowRunStateProposal Proposal { get; } = new(runId, proposal);

        /// <summary>The audited change of the request that proposed it (none for a worker's progress), taken from the request.</summary>
        public AuditedChange? Change { get; } = AuditedChange.Pending;

        public TaskCompletionSource<(TransitionOutcome?, DateTimeOffset)> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
