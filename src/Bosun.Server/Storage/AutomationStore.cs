using System.Data.Common;
using System.Text.Json;
using Bosun.Contracts;
using Bosun.Contracts.Automations;
using Dapper;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>Automations, the outbox of run state changes they watch, their firings and the ledger of deliveries.</summary>
internal static class AutomationStore
{
    public static readonly string PendingStatus = EnumNames.Of(DeliveryStatus.Pending);
    public static readonly string DeliveredStatus = EnumNames.Of(DeliveryStatus.Delivered);
    public static readonly string FailedStatus = EnumNames.Of(DeliveryStatus.Failed);

    /// <summary>
    /// Appended to SQLite's state transition write (<see cref="FlowRunStore.WriteTransitionSql"/>): the state change and its
    /// outbox row commit together, so an event is never lost between them, and while no enabled rule watches run states
    /// the transition writes nothing more.
    /// </summary>
    public const string OutboxInsertSql = """
        INSERT INTO automation_outbox (state_id, flow_run_id, created)
        SELECT @StateId, @Id, @Timestamp
        WHERE EXISTS (SELECT 1 FROM automations WHERE enabled AND trigger_kind = 'run_state')
          AND EXISTS (SELECT 1 FROM flow_runs WHERE id = @Id AND state_id = @StateId)
        """;

    /// <summary>
    /// PostgreSQL's <see cref="OutboxInsertSql"/>, a part of the transition's single statement: one row for the run the
    /// statement's UPDATE moved (<c>moved</c>), while an enabled rule watches run states.
    /// </summary>
    public const string OutboxInsertForMovedSql = """
        INSERT INTO automation_outbox (state_id, flow_run_id, created)
        SELECT @StateId, @Id, @Timestamp FROM moved
        WHERE EXISTS (SELECT 1 FROM automations WHERE enabled AND trigger_kind = 'run_state')
        """;

    /// <summary>
    /// Appended to a run's insert (<see cref="FlowRunStore.InsertAsync"/>): the run's creation as an outbox row, while an
    /// enabled rule watches creations. Its key is the run's own id (a transition's is its new state's id, never a run's),
    /// which tells the dispatcher the row stands for the creation. Nothing when the insert itself did nothing (an
    /// idempotency key already taken).
    /// </summary>
    public const string CreatedOutboxInsertSql = """
        INSERT INTO automation_outbox (state_id, flow_run_id, created)
        SELECT @Id, @Id, @Created
        WHERE EXISTS (SELECT 1 FROM automations WHERE enabled AND trigger_kind = 'run_created')
          AND EXISTS (SELECT 1 FROM flow_runs WHERE id = @Id AND state_id = @StateId)
        """;

    private const string DueCondition = "d.status = @pending AND d.next_attempt <= @now AND (d.lease_until IS NULL OR d.lease_until < @now)";

    private const string SelectDelivery = """
        SELECT d.*, e.event_key, e.payload, a.definition
        FROM automation_deliveries d
        JOIN automation_events e ON e.id = d.event_id
        JOIN automations a ON a.id = d.automation_id
        """;

    public static AutomationCreate ReadDefinition(string json) =>
        JsonSerializer.Deserialize(json, BosunJsonContext.Default.AutomationCreate) ?? throw new InvalidOperationException("An automation's definition is empty in the store.");

    public static string WriteDefinition(AutomationCreate definition) => JsonSerializer.Serialize(definition, BosunJsonContext.Default.AutomationCreate);

    public static async Task<bool> InsertAsync(WriteScope scope, AutomationRow row, CancellationToken cancellationToken) =>
        await scope.Connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO automations (id, name, description, enabled, trigger_kind, definition, created, updated)
            VALUES (@Id, @Name, @Description, @Enabled, @TriggerKind, @Definition, @Created, @Updated)
            ON CONFLICT DO NOTHING
            """, row, scope.Transaction, cancellationToken: cancellationToken)) > 0;

    public static async Task<AutomationRow?> FindAsync(DbConnection connection, string idOrName, CancellationToken cancellationToken) =>
        await connection.QuerySingleOrDefaultAsync<AutomationRow>(new CommandDefinition(
            Guid.TryParse(idOrName, out var id) ? "SELECT * FROM automations WHERE id = @id" : "SELECT * FROM automations WHERE name = @idOrName",
            new { id, idOrName }, cancellationToken: cancellationToken));

    public static async Task<IReadOnlyList<AutomationRow>> ListAsync(DbConnection connection, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<AutomationRow>(new CommandDefinition(
            "SELECT * FROM automations ORDER BY name", cancellationToken: cancellationToken))).ToList();

    /// <summary>Enabled rules of the given trigger kinds, read inside the transaction that records their events.</summary>
    public static async Task<IReadOnlyList<AutomationRow>> EnabledAsync(DbConnection connection, DbTransaction? transaction, IEnumerable<AutomationTriggerKind> kinds,
        CancellationToken cancellationToken) =>
        (await connection.QueryAsync<AutomationRow>(new CommandDefinition(
            $"SELECT * FROM automations WHERE enabled AND {In(connection, "trigger_kind", "kinds")} ORDER BY created",
            new { kinds = kinds.Select(EnumNames.Of).ToArray() }, transaction, cancellationToken: cancellationToken))).ToList();

    /// <summary>
    /// Writes a changed rule (name, description, enabled, trigger kind and definition); false when it no longer exists. A
    /// new name already taken fails on the unique name (<see cref="StoreFaults.IsUniqueViolation"/>): no check beforehand,
    /// which a concurrent create or rename could pass between the check and the write.
    /// </summary>
    public static async Task<bool> UpdateAsync(WriteScope scope, AutomationRow row, CancellationToken cancellationToken) =>
        await scope.Connection.ExecuteAsync(new CommandDefinition("""
            UPDATE automations SET name = @Name, description = @Description, enabled = @Enabled, trigger_kind = @TriggerKind, definition = @Definition,
                updated = @Updated
            WHERE id = @Id
            """, row, scope.Transaction, cancellationToken: cancellationToken)) > 0;

    /// <summary>
    /// Deletes up to <paramref name="limit"/> deliveries that finished (delivered or given up) before <paramref name="before"/>,
    /// with their attempts, then up to as many events that occurred before it and no delivery refers to any more (an event
    /// still being delivered stays). Returns how many rows of each went.
    /// </summary>
    public static async Task<(int Deliveries, int Events)> PruneAsync(WriteScope scope, DateTimeOffset before, int limit, CancellationToken cancellationToken)
    {
        var ids = (await scope.Connection.QueryAsync<Guid>(new CommandDefinition(
            PruneSql.FinishedDeliveries, PruneSql.FinishedParameters(before, limit), scope.Transaction, cancellationToken: cancellationToken))).ToList();
        if (ids.Count > 0)
        {
            var parameters = PruneSql.IdParameters(ids);
            await scope.Connection.ExecuteAsync(new CommandDefinition(
                PruneSql.Attempts(scope.Connection), parameters, scope.Transaction, cancellationToken: cancellationToken));
            await scope.Connection.ExecuteAsync(new CommandDefinition(
                PruneSql.Deliveries(scope.Connection), parameters, scope.Transaction, cancellationToken: cancellationToken));
        }

        var events = await scope.Connection.ExecuteAsync(new CommandDefinition(
            PruneSql.Events, PruneSql.EventParameters(before, limit), scope.Transaction, cancellationToken: cancellationToken));
        return (ids.Count, events);
    }

    /// <summary>
    /// The retention sweep's statements and their parameters, each served by an index (migrations 0024 and 0025; the tests EXPLAIN
    /// these very texts on both stores).
    /// </summary>
    internal static class PruneSql
    {
        public const string FinishedDeliveries =
            "SELECT id FROM automation_deliveries WHERE status IN (@delivered, @failed) AND finished < @before LIMIT @limit";

        // Old events by the occurred index (migration 0025); an event's deliveries by event_id.
        public const string Events = """
            DELETE FROM automation_events WHERE id IN (
                SELECT e.id FROM automation_events e
                WHERE e.occurred < @before
                  AND NOT EXISTS (SELECT 1 FROM automation_deliveries d WHERE d.event_id = e.id)
                LIMIT @limit)
            """;

        public static string Attempts(DbConnection connection) => $"DELETE FROM automation_attempts WHERE {In(connection, "delivery_id", "ids")}";

        public static string Deliveries(DbConnection connection) => $"DELETE FROM automation_deliveries WHERE {In(connection, "id", "ids")}";

        public static object FinishedParameters(DateTimeOffset before, int limit) =>
            new { delivered = DeliveredStatus, failed = FailedStatus, before = Ms(before), limit };

        public static object IdParameters(IEnumerable<Guid> ids) => new { ids = Ids(ids) };

        public static object EventParameters(DateTimeOffset before, int limit) => new { before = Ms(before), limit };
    }

    public static Task<int> SetEnabledAsync(WriteScope scope, Guid id, bool enabled, DateTimeOffset now, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE automations SET enabled = @enabled, updated = @now WHERE id = @id", new { id, enabled, now = Ms(now) }, scope.Transaction,
            cancellationToken: cancellationToken));

    public static Task<int> DeleteAsync(WriteScope scope, Guid id, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM automation_attempts WHERE delivery_id IN (SELECT id FROM automation_deliveries WHERE automation_id = @id);
            DELETE FROM automation_deliveries WHERE automation_id = @id;
            DELETE FROM automation_events WHERE automation_id = @id;
            DELETE FROM automations WHERE id = @id
            """, new { id }, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Whether the outbox holds a row, read on a reader connection: the dispatcher is woken by every state change and every
    /// creation, and while no rule watches them (the outbox stays empty) it must not take the single writer each time.
    /// </summary>
    public static async Task<bool> OutboxHasRowsAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM automation_outbox) THEN 1 ELSE 0 END", cancellationToken: cancellationToken)) > 0;

    /// <summary>Whether a delivery is due and not leased at <paramref name="now"/> (what <see cref="LeaseDueAsync"/> would take), read on a reader connection.</summary>
    public static async Task<bool> AnyDueAsync(DbConnection connection, DateTimeOffset now, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<int>(new CommandDefinition($"""
            SELECT CASE WHEN EXISTS (SELECT 1 FROM automation_deliveries d WHERE {DueCondition}) THEN 1 ELSE 0 END
            """, new { pending = PendingStatus, now = Ms(now) }, cancellationToken: cancellationToken)) > 0;

    /// <summary>
    /// Up to <paramref name="limit"/> state changes from the outbox, oldest first, with what rules match on; locked
    /// (PostgreSQL; another replica's rows are passed over), so that each is matched by one replica.
    /// </summary>
    public static async Task<IReadOnlyList<RunStateEventRow>> TakeOutboxAsync(WriteScope scope, int limit, CancellationToken cancellationToken) =>
        (await scope.Connection.QueryAsync<RunStateEventRow>(new CommandDefinition($"""
            SELECT o.state_id, o.flow_run_id, s.type, s.name AS state_name, s.message, s.timestamp, r.name AS run_name, r.tags, r.deployment_id,
                r.expected_start_time, r.parent_flow_run_id,
                (SELECT f.name FROM flows f WHERE f.id = r.flow_id) AS flow_name,
                (SELECT d.name FROM deployments d WHERE d.id = r.deployment_id) AS deployment_name,
                (SELECT p.name FROM work_pools p WHERE p.id = r.work_pool_id) AS work_pool_name
            FROM automation_outbox o
            LEFT JOIN flow_run_states s ON s.id = CASE WHEN o.state_id = o.flow_run_id
                THEN (SELECT first.id FROM flow_run_states first WHERE first.flow_run_id = o.flow_run_id ORDER BY first.seq LIMIT 1)
                ELSE o.state_id END
            LEFT JOIN flow_runs r ON r.id = o.flow_run_id
            ORDER BY o.created
            LIMIT @limit {scope.Dialect.SkipLockedOf("o")}
            """, new { limit }, scope.Transaction, cancellationToken: cancellationToken))).ToList();

    public static Task<int> RemoveFromOutboxAsync(WriteScope scope, IEnumerable<Guid> stateIds, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM automation_outbox WHERE {In(scope.Connection, "state_id", "ids")}", new { ids = Ids(stateIds) }, scope.Transaction,
            cancellationToken: cancellationToken));

    /// <summary>Whether the rule already recorded the event (its key).</summary>
    public static async Task<bool> EventExistsAsync(WriteScope scope, Guid automationId, string eventKey, CancellationToken cancellationToken) =>
        await scope.Connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM automation_events WHERE automation_id = @automationId AND event_key = @eventKey", new { automationId, eventKey },
            scope.Transaction, cancellationToken: cancellationToken)) > 0;

    /// <summary>Records a matching event; false when the rule already had it (another replica, or an earlier sweep).</summary>
    public static async Task<bool> InsertEventAsync(
        WriteScope scope, Guid id, Guid automationId, string eventKey, string payload, DateTimeOffset occurred, CancellationToken cancellationToken) =>
        await scope.Connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO automation_events (id, automation_id, event_key, payload, fired, occurred)
            VALUES (@id, @automationId, @eventKey, @payload, @fired, @occurred)
            ON CONFLICT DO NOTHING
            """, new { id, automationId, eventKey, payload, fired = false, occurred = Ms(occurred) }, scope.Transaction, cancellationToken: cancellationToken)) > 0;

    /// <summary>
    /// Locks the rules <paramref name="ids"/> until the transaction ends, in the order of their ids, before their events are
    /// recorded (<see cref="ConsumeWindowAsync"/> locks each again, then without waiting). Recorded one by one, a transaction
    /// locked them in the order its events matched them, and two dispatchers (replicas, or the outbox and the waiting-run
    /// conditions) deadlocked on two rules taken in opposite orders. SQLite's one writer needs none.
    /// </summary>
    public static Task LockInIdOrderAsync(WriteScope scope, IEnumerable<Guid> ids, CancellationToken cancellationToken) =>
        scope.LockInIdOrderAsync("automations", ids, cancellationToken);

    /// <summary>
    /// Consumes the rule's unconsumed events since <paramref name="since"/> when there are at least
    /// <paramref name="threshold"/>; returns how many it consumed (0: not enough yet). The rule's row is locked first, so
    /// that two replicas counting at once do not both fire.
    /// </summary>
    public static async Task<int> ConsumeWindowAsync(WriteScope scope, Guid automationId, DateTimeOffset since, int threshold, CancellationToken cancellationToken)
    {
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            $"SELECT id FROM automations WHERE id = @automationId {scope.Dialect.RowLockClause}", new { automationId }, scope.Transaction, cancellationToken: cancellationToken));
        var count = await scope.Connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM automation_events WHERE automation_id = @automationId AND NOT fired AND occurred >= @since",
            new { automationId, since = Ms(since) }, scope.Transaction, cancellationToken: cancellationToken));
        if (count < threshold)
        {
            return 0;
        }

        return await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE automation_events SET fired = @fired WHERE automation_id = @automationId AND NOT fired AND occurred >= @since",
            new { automationId, since = Ms(since), fired = true }, scope.Transaction, cancellationToken: cancellationToken));
    }

    public static Task<int> InsertDeliveryAsync(WriteScope scope, Guid automationId, Guid eventId, int actionIndex, AutomationActionKind kind, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO automation_deliveries (id, automation_id, event_id, action_index, action_kind, status, attempts, next_attempt, created)
            VALUES (@id, @automationId, @eventId, @actionIndex, @kind, @status, 0, @now, @now)
            """, new { id = Guid.NewGuid(), automationId, eventId, actionIndex, kind = EnumNames.Of(kind), status = PendingStatus, now = Ms(now) },
            scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Takes up to <paramref name="limit"/> due deliveries for one attempt each: counts the attempt and leases the row
    /// until <paramref name="leaseUntil"/>, so that no other loop or replica tries it meanwhile; a lease that runs out
    /// (the server died mid-attempt) makes it due again.
    /// </summary>
    public static async Task<IReadOnlyList<DeliveryRow>> LeaseDueAsync(WriteScope scope, DateTimeOffset now, DateTimeOffset leaseUntil, int limit,
        CancellationToken cancellationToken)
    {
        var due = (await scope.Connection.QueryAsync<DeliveryRow>(new CommandDefinition($"""
            {SelectDelivery}
            WHERE {DueCondition}
            ORDER BY d.next_attempt
            LIMIT @limit {scope.Dialect.SkipLockedOf("d")}
            """, new { pending = PendingStatus, now = Ms(now), limit }, scope.Transaction, cancellationToken: cancellationToken))).ToList();
        if (due.Count > 0)
        {
            await scope.Connection.ExecuteAsync(new CommandDefinition(
                $"UPDATE automation_deliveries SET attempts = attempts + 1, lease_until = @leaseUntil WHERE {In(scope.Connection, "id", "ids")}",
                new { ids = Ids(due.Select(row => row.Id)), leaseUntil = Ms(leaseUntil) }, scope.Transaction, cancellationToken: cancellationToken));
            foreach (var row in due)
            {
                row.Attempts++;
            }
        }

        return due;
    }

    /// <summary>
    /// Records attempt <paramref name="attempt"/> and where the delivery now stands; nothing when the attempt is no longer
    /// the delivery's latest (its lease ran out and another try began).
    /// </summary>
    public static async Task RecordAttemptAsync(WriteScope scope, Guid deliveryId, AttemptRow attempt, string status, DateTimeOffset nextAttempt, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var updated = await scope.Connection.ExecuteAsync(new CommandDefinition("""
            UPDATE automation_deliveries SET status = @status, next_attempt = @next, lease_until = NULL, last_status_code = @code, last_error = @error,
                finished = CASE WHEN @status = @pending THEN NULL ELSE @now END
            WHERE id = @deliveryId AND attempts = @attempt AND status = @pending
            """, new { deliveryId, status, next = Ms(nextAttempt), code = attempt.StatusCode, error = attempt.Error, now = Ms(now), attempt = attempt.Attempt, pending = PendingStatus },
            scope.Transaction, cancellationToken: cancellationToken));
        if (updated > 0)
        {
            await scope.Connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO automation_attempts (delivery_id, attempt, started, duration_ms, status_code, error)
                VALUES (@DeliveryId, @Attempt, @Started, @DurationMs, @StatusCode, @Error)
                ON CONFLICT DO NOTHING
                """, attempt, scope.Transaction, cancellationToken: cancellationToken));
        }
    }

    /// <summary>The ledger of a rule, newest firing first, with every attempt.</summary>
    /// <summary>
    /// The automation's deliveries, newest first (a firing's in action order), after the one <paramref name="after"/> names
    /// (created, action index, id; a cursor's) when given.
    /// </summary>
    public static async Task<IReadOnlyList<AutomationDelivery>> HistoryAsync(
        DbConnection connection, Guid automationId, (long Created, int ActionIndex, Guid Id)? after, int limit, CancellationToken cancellationToken)
    {
        var rows = (await connection.QueryAsync<DeliveryRow>(new CommandDefinition(
            $"""
            {SelectDelivery} WHERE d.automation_id = @automationId
                AND (CAST(@afterId AS TEXT) IS NULL OR d.created < @afterCreated
                    OR (d.created = @afterCreated AND (d.action_index > @afterIndex OR (d.action_index = @afterIndex AND d.id > @afterId))))
            ORDER BY d.created DESC, d.action_index, d.id LIMIT @limit
            """,
            new { automationId, afterCreated = after?.Created, afterIndex = after?.ActionIndex, afterId = after?.Id.ToString("D"), limit },
            cancellationToken: cancellationToken))).ToList();
        if (rows.Count == 0)
        {
            return [];
        }

        var attempts = (await connection.QueryAsync<AttemptRow>(new CommandDefinition(
            $"SELECT * FROM automation_attempts WHERE {In(connection, "delivery_id", "ids")} ORDER BY attempt",
            new { ids = Ids(rows.Select(row => row.Id)) }, cancellationToken: cancellationToken))).ToLookup(attempt => attempt.DeliveryId);
        return rows.Select(row => row.ToContract(attempts[row.Id].Select(attempt => attempt.ToContract()).ToList())).ToList();
    }

    public static Task<int> CountHistoryAsync(DbConnection connection, Guid automationId, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM automation_deliveries WHERE automation_id = @automationId", new { automationId }, cancellationToken: cancellationToken));
}
