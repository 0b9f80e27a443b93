using System.Data.Common;
using System.Net;
using System.Text.RegularExpressions;
using Bosun.Client;
using Bosun.Contracts.Automations;
using Bosun.Server.Storage;
using Bosun.Testing;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;
using static Bosun.Server.Tests.AutomationTests;

namespace Bosun.Server.Tests;

/// <summary>
/// The retention sweeps' statements read through indexes, not whole tables nor whole indexes (migrations 0024 and 0025), and a rename that loses a race
/// for a name answers 409, on the store BOSUN_TEST_STORE names.
/// </summary>
public sealed partial class RetentionIndexTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RetentionSweeps_EveryStatement_UsesItsIndexAndScansNoTableNorWholeIndex()
    {
        await using var server = await TestServer.StartAsync(configure: options => options.ServiceInterval = TimeSpan.FromDays(1));
        var database = server.Server.Services.GetRequiredService<BosunDatabase>();
        var before = TimeProvider.System.GetUtcNow();

        var plans = await database.ReadAsync(async connection =>
        {
            // Each statement exactly as the sweep sends it, and the indexes that must serve it.
            (string Name, string Sql, object Parameters, string[] Indexes)[] statements =
            [
                ("finished deliveries", AutomationStore.PruneSql.FinishedDeliveries, AutomationStore.PruneSql.FinishedParameters(before, 1000),
                    ["ix_automation_deliveries_finished"]),
                ("their attempts", AutomationStore.PruneSql.Attempts(connection), AutomationStore.PruneSql.IdParameters([Guid.NewGuid(), Guid.NewGuid()]), []),
                ("the deliveries", AutomationStore.PruneSql.Deliveries(connection), AutomationStore.PruneSql.IdParameters([Guid.NewGuid(), Guid.NewGuid()]), []),
                ("old events", AutomationStore.PruneSql.Events, AutomationStore.PruneSql.EventParameters(before, 1000),
                    ["ix_automation_events_occurred", "ix_automation_deliveries_event"]),
                ("audit entries", AuditStore.PruneSql, new { before = before.ToUnixTimeMilliseconds() }, ["ix_audit_log_time"]),
                ("log batch keys", LogStore.ForgetBatchesSql, new { before = before.ToUnixTimeMilliseconds() }, ["ix_log_batches_created"]),
                ("claim keys", ClaimKeyStore.ForgetSql, new { before = before.ToUnixTimeMilliseconds() }, ["ix_claim_keys_created"]),
                ("serving processes", ServingProcessStore.ForgetSql, new { before = before.ToUnixTimeMilliseconds() }, ["ix_serving_processes_last_polled"]),
            ];
            var result = new List<(string Name, string[] Indexes, string Plan, IReadOnlyList<string> WholeIndexes)>();
            if (connection is NpgsqlConnection)
            {
                // The test's tables are nearly empty, where a sequential scan is rightly cheapest; with it priced out the
                // planner shows what it does on a large table, and a statement no index serves still shows its Seq Scan.
                // Merge and hash joins are priced out too: on empty tables they read a whole index to join it, where on
                // large ones the sweeps' LIMITs make the planner probe the index row by row (a nested loop).
                await using var transaction = await connection.BeginTransactionAsync();
                await connection.ExecuteAsync("SET LOCAL enable_seqscan = off; SET LOCAL enable_mergejoin = off; SET LOCAL enable_hashjoin = off",
                    transaction: transaction);
                var leading = (await connection.QueryAsync<(string Index, string Column)>(new CommandDefinition("""
                    SELECT c.relname, a.attname FROM pg_index i
                    JOIN pg_class c ON c.oid = i.indexrelid
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                    """, transaction: transaction))).ToDictionary(index => index.Index, index => index.Column, StringComparer.Ordinal);
                foreach (var (name, sql, parameters, indexes) in statements)
                {
                    var lines = (await connection.QueryAsync<string>(new CommandDefinition("EXPLAIN " + sql, parameters, transaction))).ToList();
                    result.Add((name, indexes, string.Join("\n", lines), WholeIndexScans(lines, leading)));
                }

                await transaction.RollbackAsync();
            }
            else
            {
                foreach (var (name, sql, parameters, indexes) in statements)
                {
                    var lines = await connection.QueryAsync<PlanLine>(new CommandDefinition("EXPLAIN QUERY PLAN " + sql, parameters));
                    // SQLite says SCAN for a whole index too ("SCAN e USING INDEX ..."): FullScans catches it.
                    result.Add((name, indexes, string.Join("\n", lines.Select(line => line.Detail)), []));
                }
            }

            return result;
        }, CancellationToken.None);

        foreach (var (name, indexes, plan, wholeIndexes) in plans)
        {
            output.WriteLine($"-- {name}\n{plan}");
            // SQLite's automatic index is a scan too.
            var scanned = FullScans().Matches(plan).Select(match => match.Groups["table"].Value).ToList();
            Assert.True(scanned.Count == 0, $"The sweep's '{name}' reads whole tables ({string.Join(", ", scanned)}):\n{plan}");
            Assert.True(wholeIndexes.Count == 0, $"The sweep's '{name}' reads whole indexes ({string.Join(", ", wholeIndexes)}):\n{plan}");
            Assert.DoesNotContain("AUTOMATIC", plan, StringComparison.Ordinal);
            foreach (var index in indexes)
            {
                Assert.True(plan.Contains(index, StringComparison.Ordinal), $"The sweep's '{name}' does not use {index}:\n{plan}");
            }
        }
    }

    [Fact]
    public async Task Rename_OntoATakenName_ConflictFromTheUniqueConstraint()
    {
        await using var server = await TestServer.StartAsync(configure: Fast);
        var client = server.Client;
        await client.CreateAutomationAsync(OnFailed("first", "http://127.0.0.1:9/first"));
        await client.CreateAutomationAsync(OnFailed("second", "http://127.0.0.1:9/second"));

        var clash = await Assert.ThrowsAsync<BosunApiException>(() => client.UpdateAutomationAsync("first", new AutomationUpdate(Name: "second")));

        Assert.Equal(HttpStatusCode.Conflict, clash.StatusCode);
        Assert.Contains("'second' already exists", clash.Message, StringComparison.Ordinal);
        // Nothing changed: both rules keep their names and actions.
        Assert.EndsWith("/first", (await client.GetAutomationAsync("first")).Actions[0].Url, StringComparison.Ordinal);
        Assert.EndsWith("/second", (await client.GetAutomationAsync("second")).Actions[0].Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rename_WhileACreateOfThatNameCommits_ConflictNot500()
    {
        await using var server = await TestServer.StartAsync(configure: Fast);
        var client = server.Client;
        var renamed = await client.CreateAutomationAsync(OnFailed("old-name", "http://127.0.0.1:9/old"));
        var database = await TestDatabases.ForDirectoryAsync(server.Directory);
        var insertTarget = $"""
            INSERT INTO automations (id, name, description, enabled, trigger_kind, definition, created, updated)
            SELECT '{Guid.NewGuid():D}', 'new-name', description, enabled, trigger_kind, definition, created, updated FROM automations WHERE name = 'old-name'
            """;

        Task<Automation> rename;
        if (TestDatabases.UsePostgres)
        {
            // A writer has inserted the target name and not committed: the rename's transaction cannot see it, and its
            // UPDATE waits on the unique index for that writer, which then commits. Exactly the race, every time.
            await using var other = new NpgsqlConnection(database);
            await other.OpenAsync();
            await using var transaction = await other.BeginTransactionAsync();
            await other.ExecuteAsync(insertTarget, transaction: transaction);
            rename = client.UpdateAutomationAsync("old-name", new AutomationUpdate(Name: "new-name"));
            // Watched from a third session: inside a transaction, pg_stat_activity is read once and then cached.
            await using var watcher = new NpgsqlConnection(database);
            await watcher.OpenAsync();
            await Eventually.WaitUntilAsync(async () => await watcher.ExecuteScalarAsync<long>(
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%UPDATE automations%'") > 0,
                "the rename waits for the uncommitted insert of its target name", TimeSpan.FromSeconds(60));
            await transaction.CommitAsync();
        }
        else
        {
            // SQLite has one writer: a transaction holding the write lock has inserted the name when the rename arrives,
            // and the rename writes once it commits.
            await using var other = new SqliteConnection($"Data Source={database}");
            await other.OpenAsync();
            await using var transaction = (SqliteTransaction)await other.BeginTransactionAsync();
            await other.ExecuteAsync(insertTarget, transaction: transaction);
            rename = client.UpdateAutomationAsync("old-name", new AutomationUpdate(Name: "new-name"));
            await transaction.CommitAsync();
        }

        var clash = await Assert.ThrowsAsync<BosunApiException>(() => rename);
        Assert.Equal(HttpStatusCode.Conflict, clash.StatusCode);
        Assert.Equal(renamed.Id, (await client.GetAutomationAsync("old-name")).Id);
    }

    [Fact]
    public async Task IsUniqueViolation_DuplicateKeyOnTheStore_RecognisedAndOtherFailuresNot()
    {
        await using var server = await TestServer.StartAsync(configure: Fast);
        await server.Client.CreateAutomationAsync(OnFailed("one", "http://127.0.0.1:9/one"));
        await server.Client.CreateAutomationAsync(OnFailed("two", "http://127.0.0.1:9/two"));
        var database = server.Server.Services.GetRequiredService<BosunDatabase>();

        var duplicate = await Assert.ThrowsAnyAsync<DbException>(() => database.WriteAsync(scope => scope.Connection.ExecuteAsync(
            new CommandDefinition("UPDATE automations SET name = 'two' WHERE name = 'one'", transaction: scope.Transaction)), CancellationToken.None));
        var otherFault = await Assert.ThrowsAnyAsync<DbException>(() => database.WriteAsync(scope => scope.Connection.ExecuteAsync(
            new CommandDefinition("UPDATE automations SET name = NULL WHERE name = 'one'", transaction: scope.Transaction)), CancellationToken.None));

        Assert.True(StoreFaults.IsUniqueViolation(duplicate), duplicate.ToString());
        Assert.False(StoreFaults.IsUniqueViolation(otherFault), otherFault.ToString());
    }

    [GeneratedRegex(@"(?:^|\n)\s*(?:->\s*)?(?:Seq Scan on|SCAN) (?<table>\w+)")]
    private static partial Regex FullScans();

    /// <summary>
    /// The indexes a PostgreSQL plan reads whole: an index scan (plain, index-only or bitmap) with no Index Cond, or whose
    /// Index Cond does not constrain the index's first column (a condition on a later column is checked on every entry). A
    /// column named by a keyword ("time") is quoted in the plan.
    /// </summary>
    private static List<string> WholeIndexScans(List<string> lines, Dictionary<string, string> leadingColumns)
    {
        var whole = new List<string>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (IndexScan().Match(lines[i]) is not { Success: true } scan)
            {
                continue;
            }

            // The node's own detail lines: indented deeper than the node, up to its first child node or its next sibling.
            var depth = lines[i].Length - lines[i].TrimStart().Length;
            var condition = lines.Skip(i + 1)
                .TakeWhile(line => line.Length - line.TrimStart().Length > depth && !line.TrimStart().StartsWith("->", StringComparison.Ordinal))
                .Select(line => line.Trim())
                .FirstOrDefault(line => line.StartsWith("Index Cond:", StringComparison.Ordinal));
            var index = scan.Groups["index"].Value;
            var column = leadingColumns.GetValueOrDefault(index);
            if (condition is null || column is null || (!condition.Contains($"({column} ", StringComparison.Ordinal) && !condition.Contains($"(\"{column}\" ", StringComparison.Ordinal)))
            {
                whole.Add($"{index} ({condition ?? "no Index Cond"}; first column {column ?? "unknown"})");
            }
        }

        return whole;
    }

    [GeneratedRegex(@"(?:Index Scan|Index Only Scan)(?: Backward)? using (?<index>\w+) on |Bitmap Index Scan on (?<index>\w+)")]
    private static partial Regex IndexScan();

    private sealed class PlanLine
    {
        public string Detail { get; set; } = "";
    }
}
