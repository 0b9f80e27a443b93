using Bosun.Contracts;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Schedules;
using Bosun.Contracts.States;
using Bosun.Server.Domain;
using Dapper;
using static Bosun.Server.Storage.StateSql;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>
/// One claim, in one write transaction: select eligible runs in delivery order (queue priority, then due time)
/// while counting pool, queue and deployment slots, move each to PENDING through the guarded transition, and
/// record the poll. Because the counts and the moves share the transaction, no limit can be overshot and no
/// run handed out twice.
/// </summary>
internal static class ClaimStore
{
    private const int CandidateBatch = 8;

    private static readonly string EligibleRun = $"r.state_type = {Scheduled} AND r.state_name <> '{StateNames.AwaitingRetry}' AND r.next_scheduled_start_time <= @cutoff";

    /// <summary>
    /// The claim of a worker of <paramref name="poolName"/>. With <paramref name="known"/> (the pool's id, and whether it
    /// had a limit, as an earlier claim saw them) it skips reading them first; when that pool is gone (deleted, perhaps
    /// created again) it reads them afresh, and when the limit changed the locks adapt. Without
    /// <paramref name="record"/> it leaves the worker's heartbeat and the queues' poll alone (recorded a moment ago).
    /// </summary>
    public static async Task<ClaimOutcome> ClaimAsync(
        WriteScope scope, SqlDialect dialect, string poolName, ClaimRequest request, DateTimeOffset now, TimeProvider clock, TimeSpan prefetch, TimeSpan missedRunGrace,
        (Guid Id, bool Limited)? known = null, bool record = true, CancellationToken cancellationToken = default)
    {
        var (poolId, limited) = known ?? await scope.Connection.QuerySingleOrDefaultAsync<(Guid, int?)?>(new CommandDefinition(
            "SELECT id, concurrency_limit FROM work_pools WHERE name = @poolName", new { poolName }, scope.Transaction, cancellationToken: cancellationToken)) switch
        {
            { } found => (found.Item1, found.Item2 is not null),
            null => throw PoolNotFound(poolName),
        };

        // One round trip for the bookkeeping. A pool with a limit serializes its claims on the pool's lock (PostgreSQL;
        // SQLite has one writer anyway), so that the slot counts read after it stay true until this transaction commits,
        // also across replicas. Without a limit, claims share the lock (a limit being set waits for them) and run side by
        // side: SKIP LOCKED keeps them apart. Then the worker's heartbeat, the poll (recorded at most once a second, which
        // keeps busy claimers from queueing on the queue rows' write locks; a queue row another claim is recording is
        // passed over), and the pool and its queues as they are once the lock is held.
        var names = request.WorkQueueNames is { Count: > 0 } named ? named : null;
        var lockStatement = dialect.PoolLockStatement(exclusive: limited);
        // A pool known to have no limit: the first page of candidates comes with the bookkeeping, a round trip saved.
        var speculate = known is { Limited: false } && request.MaxRuns > 0;
        List<FlowRunRow>? firstPage = null;
        WorkPoolRow? pool;
        List<WorkQueueRow> queues;
        using (var batch = await scope.Connection.QueryMultipleAsync(new CommandDefinition(
            $"""
            {(lockStatement.Length > 0 ? lockStatement + ";" : "")}
            {(record ? $"""
                {WorkPoolStore.UpsertWorkerSql};
                UPDATE work_queues SET last_polled = @now WHERE id IN (
                    SELECT q.id FROM work_queues q
                    WHERE q.work_pool_id = @poolId {(names is null ? "" : $"AND {In(scope.Connection, "q.name", "names")}")} AND (q.last_polled IS NULL OR q.last_polled < @now - 1000)
                    {dialect.SkipLockedOf("q")});
                """ : "")}
            {WorkPoolStore.SelectPool} WHERE p.id = @poolId;
            SELECT id, name, priority, concurrency_limit, paused FROM work_queues WHERE work_pool_id = @poolId ORDER BY priority, id
            {(speculate ? ";\n" + SpeculativePage(scope.Connection, dialect, names is not null, PageSize(dialect, request.MaxRuns)) : "")}
            """,
            new
            {
                poolId,
                id = Guid.NewGuid(),
                name = request.WorkerName,
                type = request.WorkerType,
                intervalSeconds = request.HeartbeatIntervalSeconds ?? Statuses.DefaultHeartbeatIntervalSeconds,
                names = names?.ToArray(),
                now = Ms(now),
                cutoff = Ms(now + prefetch),
            },
            scope.Transaction, cancellationToken: cancellationToken)))
        {
            if (lockStatement.Length > 0)
            {
                _ = await batch.ReadAsync();
            }

            pool = await batch.ReadSingleOrDefaultAsync<WorkPoolRow>();
            queues = (await batch.ReadAsync<WorkQueueRow>()).ToList();
            if (speculate)
            {
                firstPage = (await batch.ReadAsync<FlowRunRow>()).ToList();
            }
        }

        if (pool is null)
        {
            // Gone since the id was known (nothing above wrote for it): look the name up.
            return known is not null
                ? await ClaimAsync(scope, dialect, poolName, request, now, clock, prefetch, missedRunGrace, record: true, cancellationToken: cancellationToken)
                : throw PoolNotFound(poolName);
        }

        if (pool.ConcurrencyLimit is not null && !limited && lockStatement.Length > 0)
        {
            // A limit was set between the first read and the shared lock: count under the exclusive lock after all.
            await scope.Connection.ExecuteAsync(new CommandDefinition(
                dialect.PoolLockStatement(exclusive: true), new { poolId }, scope.Transaction, cancellationToken: cancellationToken));
            pool = await WorkPoolStore.GetPoolAsync(scope.Connection, poolName, now, scope.Transaction, cancellationToken) ?? throw PoolNotFound(poolName);
        }

        if (names is not null)
        {
            var unknown = names.Where(name => queues.All(queue => queue.Name != name)).ToList();
            if (unknown.Count > 0)
            {
                throw new NotFoundException(
                    $"Work pool '{poolName}' has no queue named {string.Join(", ", unknown.Select(n => $"'{n}'"))}; its queues are {string.Join(", ", queues.Select(q => $"'{q.Name}'"))}.");
            }

            queues = queues.Where(queue => names.Contains(queue.Name)).ToList();
        }

        var claim = new CandidateClaim(scope, request.WorkerName, now, clock, now - missedRunGrace, cancellationToken);
        if (pool.Paused || request.MaxRuns <= 0)
        {
            return new ClaimOutcome(pool, [], [], false);
        }

        var want = Math.Min(request.MaxRuns, pool.ConcurrencyLimit is { } limit ? Math.Max(0, limit - pool.SlotsInUse) : int.MaxValue);
        var open = queues.Where(queue => !queue.Paused).ToList();
        if (pool.ConcurrencyLimit is not null || open.FirstOrDefault()?.ConcurrencyLimit is not null)
        {
            // The page read ahead assumed no pool or queue limit: it is not the loop's first page (its rows stay unclaimed).
            firstPage = null;
        }

        foreach (var queue in open)
        {
            if (want <= 0)
            {
                break;
            }

            var take = want;
            if (queue.ConcurrencyLimit is { } queueLimit)
            {
                // A limited queue serializes its claims on its row, and counts its slots under that lock.
                await scope.Connection.ExecuteAsync(new CommandDefinition(
                    $"SELECT id FROM work_queues WHERE id = @queueId {dialect.RowLockClause}", new { queueId = queue.Id }, scope.Transaction, cancellationToken: cancellationToken));
                var inUse = await scope.Connection.ExecuteScalarAsync<int>(new CommandDefinition(
                    $"SELECT COUNT(*) FROM flow_runs WHERE work_queue_id = @queueId AND state_type IN {HoldingSlot}",
                    new { queueId = queue.Id }, scope.Transaction, cancellationToken: cancellationToken));
                take = Math.Min(want, Math.Max(0, queueLimit - inUse));
            }

            var page = firstPage;
            firstPage = null;
            want -= await claim.TakeAsync(take, page, (afterTime, afterId, batch) => scope.Connection.QueryAsync<FlowRunRow>(new CommandDefinition(
                CandidatesSql(dialect, "r.work_queue_id = @queueId", batch),
                new { queueId = queue.Id, cutoff = Ms(now + prefetch), afterTime, afterId },
                scope.Transaction, cancellationToken: cancellationToken)));
        }

        var deployments = await claim.FinishAsync();

        // The pool as this claim leaves it: its own runs now hold slots too.
        pool.SlotsInUse += claim.Claimed.Count;
        return new ClaimOutcome(pool, claim.Claimed, deployments, claim.WakesClaims);
    }

    /// <summary>
    /// How many candidates to read for <paramref name="wanted"/> runs. Where the candidate select locks its rows
    /// (PostgreSQL), only as many as wanted: every row it returns is locked until commit and skipped by the other
    /// claimers. Unlocked (SQLite), a few more. The number goes into the text: PostgreSQL plans a LIMIT parameter as 10%
    /// of the rows, which makes its generic plan look costly and every execution plan afresh.
    /// </summary>
    private static int PageSize(SqlDialect dialect, int wanted) => dialect.LocksRows ? wanted : Math.Max(wanted, CandidateBatch);

    /// <summary>
    /// The first page of candidates of the pool's first open queue (named, when the claim names queues), provided neither
    /// the pool nor that queue has a limit or is paused: what the claim's loop would read first for a pool without limits.
    /// </summary>
    private static string SpeculativePage(System.Data.Common.DbConnection connection, SqlDialect dialect, bool named, int batch) => CandidatesSql(dialect, $"""
        r.work_queue_id = (
                SELECT q.id FROM work_queues q WHERE q.work_pool_id = @poolId AND q.paused = FALSE {(named ? $"AND {In(connection, "q.name", "names")}" : "")}
                ORDER BY q.priority, q.id LIMIT 1)
          AND (SELECT q.concurrency_limit FROM work_queues q WHERE q.id = r.work_queue_id) IS NULL
          AND (SELECT p.paused FROM work_pools p WHERE p.id = @poolId) = FALSE
        """, batch, firstPage: true);

    /// <summary>
    /// A page of claimable runs that <paramref name="where"/> picks, in delivery order after (@afterTime, @afterId) unless
    /// it is the <paramref name="firstPage"/>, locked where the dialect locks them; also needs @cutoff (the prefetch
    /// window's end). The first page has no position to start after, and must not get one: with (MinValue, empty id) in
    /// the page read ahead, the PostgreSQL benchmark fell from ~1,100 to ~100 runs/s, its backends busy in this select.
    /// </summary>
    private static string CandidatesSql(SqlDialect dialect, string where, int batch, bool firstPage = false) => $"""
        {FlowRunStore.SelectRun}
        WHERE {where} AND {EligibleRun}
          {(firstPage ? "" : "AND (r.next_scheduled_start_time, r.id) > (@afterTime, @afterId)")}
        ORDER BY r.next_scheduled_start_time, r.id LIMIT {batch} {dialect.ClaimLockClause}
        """;

    private static NotFoundException PoolNotFound(string poolName) =>
        new NotFoundException($"Work pool '{poolName}' does not exist. Create it with `bosun work-pool create {poolName} --type TYPE`.");

    /// <summary>The claim of a serving process: due runs of its own deployments, which are on no work pool.</summary>
    public static async Task<ClaimOutcome> ClaimServedAsync(
        WriteScope scope, SqlDialect dialect, ServedClaimRequest request, DateTimeOffset now, TimeProvider clock, TimeSpan prefetch, TimeSpan missedRunGrace, CancellationToken cancellationToken)
    {
        var ids = Ids(request.DeploymentIds.Distinct());
        var found = (await scope.Connection.QueryAsync<(Guid Id, Guid? PoolId)>(new CommandDefinition(
            $"SELECT id, work_pool_id FROM deployments WHERE {In(scope.Connection, "id", "ids")}", new { ids }, scope.Transaction, cancellationToken: cancellationToken))).ToList();
        var missing = request.DeploymentIds.Where(id => found.All(f => f.Id != id)).ToList();
        if (missing.Count > 0)
        {
            throw new NotFoundException($"Deployment {missing[0]} does not exist.");
        }

        if (found.FirstOrDefault(f => f.PoolId is not null) is { PoolId: not null } pooled)
        {
            throw new ValidationException("deployment_ids", [$"deployment {pooled.Id} is on a work pool: a worker of that pool runs it, not a serving process"]);
        }

        await ServingProcessStore.PolledAsync(scope, request.ProcessName, request.DeploymentIds, now, cancellationToken);
        var claim = new CandidateClaim(scope, request.ProcessName, now, clock, now - missedRunGrace, cancellationToken) { StartOn = request.InProcessInfrastructureId };
        // One deployment (a process serving one flow) is read in the order of its index, up to the page: among several, the
        // due runs of them all are sorted first, which costs as much as the backlog is long.
        var ofDeployments = ids.Length == 1 ? "r.deployment_id = @id" : In(scope.Connection, "r.deployment_id", "ids");
        await claim.TakeAsync(request.MaxRuns, null, (afterTime, afterId, batch) => scope.Connection.QueryAsync<FlowRunRow>(new CommandDefinition(
            CandidatesSql(dialect, $"{ofDeployments} AND r.work_pool_id IS NULL", batch),
            new { ids, id = ids.Length == 1 ? ids[0] : null, cutoff = Ms(now + prefetch), afterTime, afterId }, scope.Transaction, cancellationToken: cancellationToken)));
        var deployments = await claim.FinishAsync();
        return new ClaimOutcome(null, claim.Claimed, deployments, claim.WakesClaims);
    }

    /// <summary>The earliest due time after <paramref name="cutoff"/> of a run a waiting claim could take; null when none.</summary>
    public static Task<long?> NextDueAsync(System.Data.Common.DbConnection connection, Guid? poolId, IReadOnlyList<Guid>? deploymentIds, DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            poolId is not null
                ? $"SELECT MIN(next_scheduled_start_time) FROM flow_runs WHERE work_pool_id = @poolId AND state_type = {Scheduled} AND state_name <> '{StateNames.AwaitingRetry}' AND next_scheduled_start_time > @cutoff"
                : $"SELECT MIN(next_scheduled_start_time) FROM flow_runs WHERE {In(connection, "deployment_id", "ids")} AND work_pool_id IS NULL AND state_type = {Scheduled} AND state_name <> '{StateNames.AwaitingRetry}' AND next_scheduled_start_time > @cutoff",
            new { poolId, ids = Ids(deploymentIds ?? []), cutoff = Ms(cutoff) }, cancellationToken: cancellationToken));

    /// <summary>
    /// Walks candidates in order, respecting deployment limits and catch-up policies, moving each to PENDING for one
    /// claimant, and on to RUNNING for a claimant that runs it in its own process (<see cref="StartOn"/>). A due run of a
    /// schedule whose deployment's catch-up policy would not run it (missed before <paramref name="missedBefore"/>,
    /// <see cref="CatchUp.SkipsAtClaim"/>) is skipped instead of handed out.
    /// </summary>
    private sealed class CandidateClaim(WriteScope scope, string claimant, DateTimeOffset now, TimeProvider clock, DateTimeOffset missedBefore, CancellationToken cancellationToken)
    {
        /// <summary>
        /// The time the claim decides at: once candidates are read, the time they were read at. Every run they hold was
        /// created before that, so a run created "due now" while the claim waited for the writer (or, on PostgreSQL,
        /// committed between the claim's first statement and its read) is due, not due a moment later: taken at an earlier
        /// time, the rules answered WAIT, and the run was handed out PENDING for its executor to start in requests of its
        /// own. A run due later than the read still waits.
        /// </summary>
        private DateTimeOffset _now = now;

        private readonly Dictionary<Guid, (int? Limit, int InUse)> _deploymentSlots = [];

        /// <summary>Each LATEST schedule's earliest waiting due run and latest due run, as this claim first saw them.</summary>
        private readonly Dictionary<Guid, (long? EarliestWaiting, long? LatestDue)> _dueSpans = [];

        /// <summary>
        /// The decided writes not yet sent, in order; each row already shows its write. <c>Undo</c>, for the move on to
        /// RUNNING of a run this claim moved to PENDING: that PENDING write, which the row goes back to if the move does not
        /// take. On PostgreSQL they wait for the claim's last round trip (<see cref="FinishAsync"/>) or for a statement that
        /// must see them; on SQLite, whose statements cost no round trip, each is sent when the next is decided.
        /// </summary>
        private readonly List<(FlowRunRow Row, FlowRunStore.TransitionWrite Write, TransitionOutcome Outcome, FlowRunStore.TransitionWrite? Undo)> _pending = [];

        /// <summary>Whether decided writes wait to be sent together (PostgreSQL, where each command is a round trip).</summary>
        private readonly bool _batches = scope.Dialect is PostgresDialect;

        public List<FlowRunRow> Claimed { get; } = [];

        /// <summary>
        /// The infrastructure id of a claimant that runs its runs in its own process: a claimed run that the rules let run
        /// now goes on to RUNNING on it in this claim, as if the claimant had proposed it (no Submitting of its own).
        /// </summary>
        public string? StartOn { get; init; }

        public bool WakesClaims { get; private set; }

        /// <summary>
        /// Claims up to <paramref name="take"/> runs from the candidate pages <paramref name="page"/> yields, starting with
        /// <paramref name="firstPage"/> when it was read ahead (<see cref="PageSize"/> rows for <paramref name="take"/>); returns how many.
        /// </summary>
        public async Task<int> TakeAsync(int take, IEnumerable<FlowRunRow>? firstPage, Func<long, Guid, int, Task<IEnumerable<FlowRunRow>>> page)
        {
            var taken = 0;
            var (afterTime, afterId) = (long.MinValue, Guid.Empty);
            while (taken < take)
            {
                var batch = PageSize(scope.Dialect, take - taken);
                var candidates = (firstPage ?? await page(afterTime, afterId, batch)).ToList();
                firstPage = null;
                if (clock.GetUtcNow() is var read && read > _now)
                {
                    _now = read;
                }

                foreach (var candidate in candidates)
                {
                    (afterTime, afterId) = (candidate.NextScheduledStartTime ?? long.MinValue, candidate.Id);
                    if (taken < take && await TryClaimAsync(candidate))
                    {
                        taken++;
                    }
                }

                if (candidates.Count < batch)
                {
                    break;
                }
            }

            return taken;
        }

        /// <summary>
        /// Sends the decided writes not yet sent and reads the claimed runs' deployments, in one round trip: the claim's
        /// last before its commit. The claimed rows are then as written.
        /// </summary>
        public async Task<IReadOnlyList<Contracts.Deployments.Deployment>> FinishAsync()
        {
            var deploymentIds = Claimed.Select(run => run.DeploymentId).OfType<Guid>().Distinct().ToList();
            if (_pending.Count == 0 && deploymentIds.Count == 0)
            {
                return [];
            }

            var sql = new System.Text.StringBuilder();
            var parameters = new DynamicParameters();
            var writes = _pending.Select(pending => pending.Write).ToList();
            FlowRunStore.AppendWrites(scope.Dialect, sql, parameters, writes);
            if (deploymentIds.Count > 0)
            {
                sql.Append(DeploymentStore.SelectManySql(scope.Connection, deploymentIds.Count));
                parameters.AddDynamicParams(DeploymentStore.ManyParameters(deploymentIds));
            }

            using var batch = await scope.Connection.QueryMultipleAsync(new CommandDefinition(sql.ToString(), parameters, scope.Transaction, cancellationToken: cancellationToken));
            Settle(await FlowRunStore.ReadTookAsync(batch, writes.Count));
            return deploymentIds.Count > 0 ? await DeploymentStore.ReadManyAsync(batch, deploymentIds, _now) : [];
        }

        /// <summary>Sends the decided writes not yet sent, in one round trip.</summary>
        private async Task WritePendingAsync() =>
            Settle(await FlowRunStore.WriteAllAsync(scope, _pending.Select(pending => pending.Write).ToList(), cancellationToken));

        /// <summary>
        /// Settles the writes sent (<paramref name="took"/>: whether each did). One that did not (it cannot, under the row's
        /// lock) loses the run, or, when it was the move on to RUNNING, leaves it PENDING for its claimant to start as usual.
        /// </summary>
        private void Settle(bool[] took)
        {
            for (var i = 0; i < took.Length; i++)
            {
                var (row, _, outcome, undo) = _pending[i];
                if (took[i])
                {
                    continue;
                }

                if (undo is null)
                {
                    Claimed.Remove(row);
                }
                else if (Claimed.Contains(row))
                {
                    FlowRunStore.Applied(row, undo, outcome);
                }
            }

            _pending.Clear();
        }

        /// <summary>Records a decided write, not yet sent: its row shows it from now on (see <see cref="_pending"/>).</summary>
        private async Task DeferAsync(FlowRunRow row, FlowRunStore.TransitionWrite write, TransitionOutcome outcome, FlowRunStore.TransitionWrite? undo)
        {
            if (!_batches)
            {
                await WritePendingAsync();
            }

            FlowRunStore.Applied(row, write, outcome);
            _pending.Add((row, write, outcome, undo));
        }

        /// <summary>
        /// <paramref name="run"/>, just claimed PENDING, on to RUNNING on <see cref="StartOn"/> when the rules accept it
        /// (they answer WAIT for a run claimed ahead of its time: it stays PENDING). Its PENDING is written first, so that
        /// its history reads as the claimant's own proposals would have left it.
        /// </summary>
        private async Task StartAsync(FlowRunRow run, FlowRunStore.TransitionWrite pending)
        {
            var (outcome, write) = await FlowRunStore.DecideAsync(scope, run, new StateProposal(StateType.Running), _now, claimant, StateType.Pending, cancellationToken);
            if (outcome is { Result.Status: SetStateStatus.Accept } && write is not null)
            {
                write.InfrastructureId = StartOn;
                await DeferAsync(run, write, outcome, undo: pending);
            }
        }

        /// <summary>Skips <paramref name="candidate"/> when its deployment's catch-up policy would not run it (the policy is ALL for almost every run: no query).</summary>
        private async Task<bool> SkippedByCatchUpAsync(FlowRunRow candidate)
        {
            if (candidate is not { ScheduleId: { } scheduleId, DeploymentId: { } deploymentId, NextScheduledStartTime: { } dueMs }
                || Time(dueMs) > _now
                || !EnumNames.TryParse<CatchUpPolicy>(candidate.DeploymentCatchUp, out var policy) || policy == CatchUpPolicy.All)
            {
                return false;
            }

            if (policy == CatchUpPolicy.Latest && !_dueSpans.ContainsKey(scheduleId))
            {
                var (earliestWaiting, latestDue, _) = await ScheduleStore.DueSpanAsync(scope, scheduleId, _now, cancellationToken);
                _dueSpans[scheduleId] = (earliestWaiting, latestDue);
            }

            var span = _dueSpans.GetValueOrDefault(scheduleId);
            if (!CatchUp.SkipsAtClaim(policy, Time(dueMs), Time(span.EarliestWaiting), Time(span.LatestDue), missedBefore))
            {
                return false;
            }

            await WritePendingAsync();
            if (await ScheduleStore.SkipWaitingRunAsync(scope, candidate.Id, policy, _now, cancellationToken))
            {
                await ScheduleStore.RecordSkippedAsync(scope, deploymentId, scheduleId, EnumNames.Of(policy), 1, [(Time(dueMs), candidate.Id)], _now, cancellationToken);
            }

            return true;
        }

        private async Task<bool> TryClaimAsync(FlowRunRow candidate)
        {
            if (await SkippedByCatchUpAsync(candidate))
            {
                return false;
            }

            if (candidate is { DeploymentId: { } deploymentId, DeploymentConcurrencyLimit: not null })
            {
                if (!_deploymentSlots.TryGetValue(deploymentId, out var slots))
                {
                    var locked = await FlowRunStore.LockDeploymentSlotsAsync(scope, deploymentId, cancellationToken);
                    _deploymentSlots[deploymentId] = slots = (locked.Limit, locked.InUse);
                }

                if (slots.Limit is { } limit && slots.InUse >= limit)
                {
                    // A run already waiting for a slot stays where it is, without a new state each claim. Any other
                    // run goes to the rules below, which count the slots afresh and answer (ENQUEUE:
                    // AwaitingConcurrencySlot; CANCEL_NEW: CANCELLED) — or accept, when another replica freed a slot
                    // since our count.
                    if (candidate.StateName == StateNames.AwaitingConcurrencySlot)
                    {
                        return false;
                    }
                }
            }

            // The rules decide, and whatever they accept is this claimant's: a PENDING run is never left unreturned. A
            // count of a deployment's slots must see the moves decided so far: write them first.
            var proposal = new StateProposal(StateType.Pending);
            if (FlowRunStore.CountsDeploymentSlots(candidate, proposal))
            {
                await WritePendingAsync();
            }

            var (outcome, write) = await FlowRunStore.DecideAsync(scope, candidate, proposal, _now, claimant, StateType.Scheduled, cancellationToken);
            if (write is not null)
            {
                // The row is locked (PostgreSQL) or the writer is this transaction (SQLite): the write will take. It waits
                // for the next one, or goes with the claim's last round trip (see FinishAsync).
                await DeferAsync(candidate, write, outcome, undo: null);
            }

            WakesClaims |= outcome.WakesClaims;
            if (outcome is not { Result.Status: SetStateStatus.Accept })
            {
                if (outcome is { Result.Status: SetStateStatus.Reject } && candidate.DeploymentId is { } full
                    && _deploymentSlots.TryGetValue(full, out var refused) && refused.Limit is { } refusedLimit)
                {
                    _deploymentSlots[full] = (refusedLimit, Math.Max(refused.InUse, refusedLimit));
                }

                return false;
            }

            Claimed.Add(candidate);
            if (candidate.DeploymentId is { } id && _deploymentSlots.TryGetValue(id, out var held))
            {
                _deploymentSlots[id] = (held.Limit, held.InUse + 1);
            }

            if (StartOn is not null && write is not null)
            {
                await StartAsync(candidate, write);
            }

            return true;
        }
    }
}
