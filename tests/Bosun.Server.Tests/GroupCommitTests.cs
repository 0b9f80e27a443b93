using Bosun.Server.Storage;
using Bosun.Testing;
using Dapper;

namespace Bosun.Server.Tests;

/// <summary>
/// The SQLite writer's group commit (<see cref="SqliteDialect"/>): callers waiting for the writer share its transaction,
/// each as a savepoint; each is acknowledged only once the COMMIT holding its work has returned; a caller that rolls back
/// undoes its own work only; an error that ends the transaction under the others fails every caller that shared it.
/// </summary>
public sealed class GroupCommitTests : IDisposable
{
    private readonly string _directory = TempDirectory.Create("bosun-group");

    public void Dispose() => TempDirectory.Delete(_directory);

    [Fact]
    public async Task WaitingWriters_ShareOneCommit_EachSeesItsWorkStoredWhenAcknowledged()
    {
        await using var dialect = await OpenAsync();
        var first = await dialect.BeginWriteAsync(CancellationToken.None);
        await InsertAsync(first, 0);
        // Nine callers queue behind the first, which holds the writer.
        var others = Enumerable.Range(1, 9).Select(id => WriteAsync(dialect, id)).ToList();
        await WaitForWaitersAsync(dialect, [.. others]);
        var commitsBefore = dialect.Commits;

        await first.CommitAsync(CancellationToken.None);
        await first.DisposeAsync();
        // The first caller's COMMIT returned: its row is readable by another connection.
        Assert.Contains(0, await StoredAsync(dialect));
        foreach (var (id, storedWhenAcknowledged) in await Task.WhenAll(others))
        {
            Assert.Contains(id, storedWhenAcknowledged);
        }

        Assert.Equal(Enumerable.Range(0, 10), (await StoredAsync(dialect)).Order());
        // Ten callers, one transaction: each handed the open transaction to the next waiting caller; the last committed it.
        Assert.Equal(1, dialect.Commits - commitsBefore);
    }

    [Fact]
    public async Task OneCallerRollsBack_OnlyItsWorkIsUndone_TheOthersOfItsTransactionAreStored()
    {
        await using var dialect = await OpenAsync();
        var first = await dialect.BeginWriteAsync(CancellationToken.None);
        await InsertAsync(first, 1);
        var failing = Task.Run(async () =>
        {
            await using var scope = await dialect.BeginWriteAsync(CancellationToken.None);
            await InsertAsync(scope, 2);
            throw new InvalidOperationException("the caller's own error");
        });
        await WaitForWaitersAsync(dialect, [failing]);
        var third = WriteAsync(dialect, 3);
        await WaitForWaitersAsync(dialect, [failing, third]);
        var commitsBefore = dialect.Commits;

        await first.CommitAsync(CancellationToken.None);
        await first.DisposeAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        Assert.Contains(3, (await third).StoredWhenAcknowledged);
        Assert.Equal([1, 3], (await StoredAsync(dialect)).Order());
        Assert.Equal(1, dialect.Commits - commitsBefore);
    }

    [Fact]
    public async Task TransactionEndedUnderTheGroup_EveryCallerThatSharedItFails_NothingAcknowledgedIsLost()
    {
        await using var dialect = await OpenAsync();
        var first = await dialect.BeginWriteAsync(CancellationToken.None);
        await InsertAsync(first, 1);
        var breaking = Task.Run(async () =>
        {
            await using var scope = await dialect.BeginWriteAsync(CancellationToken.None);
            // What SQLite does on a full disk or an I/O error: the whole transaction is gone, the earlier caller's work with it.
            await scope.Connection.ExecuteAsync("ROLLBACK", transaction: scope.Transaction);
            throw new InvalidOperationException("disk I/O error");
        });
        await WaitForWaitersAsync(dialect, [breaking]);

        // The first caller releases its savepoint and waits for the COMMIT; the transaction is rolled back under it: it must
        // hear so, not be told that its row is stored.
        var commit = await Record.ExceptionAsync(() => first.CommitAsync(CancellationToken.None));
        await first.DisposeAsync();

        Assert.NotNull(commit);
        Assert.Contains("rolled the transaction back", commit.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => breaking);
        Assert.Empty(await StoredAsync(dialect));
        // The writer goes on: a later caller starts a new transaction.
        Assert.Contains(4, (await WriteAsync(dialect, 4)).StoredWhenAcknowledged);
    }

    private async Task<SqliteDialect> OpenAsync()
    {
        // A group stays open for callers as long as they wait (the server's bound is 5 ms: too short to see on a loaded machine).
        var dialect = new SqliteDialect(Path.Combine(_directory, $"{Guid.NewGuid():N}.db")) { MaxGroupOpen = TimeSpan.FromMinutes(5) };
        await dialect.RunMigrationsLockedAsync(connection => connection.ExecuteAsync("CREATE TABLE items (id INTEGER PRIMARY KEY)"), CancellationToken.None);
        return dialect;
    }

    private static Task<int> InsertAsync(WriteScope scope, int id) =>
        scope.Connection.ExecuteAsync("INSERT INTO items (id) VALUES (@id)", new { id }, scope.Transaction);

    /// <summary>A caller's write of one row, and the rows another connection reads as soon as the commit is acknowledged.</summary>
    private static Task<(int Id, List<int> StoredWhenAcknowledged)> WriteAsync(SqliteDialect dialect, int id) => Task.Run(async () =>
    {
        await using (var scope = await dialect.BeginWriteAsync(CancellationToken.None))
        {
            await InsertAsync(scope, id);
            await scope.CommitAsync(CancellationToken.None);
        }

        return (id, await StoredAsync(dialect));
    });

    private static async Task<List<int>> StoredAsync(SqliteDialect dialect)
    {
        await using var connection = await dialect.OpenReadConnectionAsync(CancellationToken.None);
        return (await connection.QueryAsync<int>("SELECT id FROM items")).ToList();
    }

    /// <summary>Waits until the given callers are queued for the writer (none can have it: the test holds it).</summary>
    private static Task WaitForWaitersAsync(SqliteDialect dialect, Task[] callers) =>
        Eventually.WaitUntilAsync(() => Task.FromResult(dialect.Waiting == callers.Length), $"{callers.Length} callers wait for the writer",
            seen: () => $"{dialect.Waiting} waiting; {callers.Count(c => c.IsCompleted)} of the callers ended");
}
