using System.Data.Common;
using Bosun.Server.Storage;
using Bosun.Testing;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Bosun.Server.Tests;

/// <summary>
/// The SQLite writer's statement cache (<see cref="StatementCachingConnection"/>): a statement run again reuses its prepared
/// command, with the new parameter values; a text whose command is busy runs on another; the cache stays bounded; a schema
/// change (a migration) leaves cached statements working.
/// </summary>
public sealed class StatementCacheTests : IDisposable
{
    private const string Insert = "INSERT INTO items (id, name) VALUES (@id, @name)";
    private const string NameOf = "SELECT name FROM items WHERE id = @id";
    private static readonly int[] OneAndThree = [1, 3];
    private static readonly int[] ThreeFourAndNine = [3, 4, 9];

    private readonly string _directory = TempDirectory.Create("bosun-stmt");

    public void Dispose() => TempDirectory.Delete(_directory);

    [Fact]
    public async Task WriteScope_SameStatementRunAgain_ReusesOneCachedCommand()
    {
        await using var dialect = await OpenAsync();
        var writer = await WriterAsync(dialect);
        var (created, hits) = (writer.CommandsCreated, writer.CacheHits);

        for (var id = 1; id <= 10; id++)
        {
            await using var scope = await dialect.BeginWriteAsync(CancellationToken.None);
            Assert.Same(writer, scope.Connection);
            Assert.IsType<SqliteTransaction>(scope.Transaction);
            await scope.Connection.ExecuteAsync(Insert, new { id, name = $"item {id}" }, scope.Transaction);
            await scope.CommitAsync(CancellationToken.None);
        }

        Assert.Equal(created + 1, writer.CommandsCreated);
        Assert.Equal(hits + 9, writer.CacheHits);
        Assert.Equal(10, await CountAsync(dialect));
    }

    [Fact]
    public async Task WriteScope_NewParameterValues_EachExecutionSeesItsOwn()
    {
        await using var dialect = await OpenAsync();
        await using (var scope = await dialect.BeginWriteAsync(CancellationToken.None))
        {
            // Sync and async, a null among the values, and an IN list whose expansion changes the text after parameters are added.
            scope.Connection.Execute(Insert, new { id = 1, name = "one" }, scope.Transaction);
            await scope.Connection.ExecuteAsync(Insert, new { id = 2, name = (string?)null }, scope.Transaction);
            await scope.Connection.ExecuteAsync(Insert, new[] { new { id = 3, name = "three" }, new { id = 4, name = "four" } }, scope.Transaction);

            Assert.Equal("one", await scope.Connection.ExecuteScalarAsync<string>(NameOf, new { id = 1 }, scope.Transaction));
            Assert.Null(await scope.Connection.ExecuteScalarAsync<string>(NameOf, new { id = 2 }, scope.Transaction));
            Assert.Equal("three", scope.Connection.QuerySingle<string>(NameOf, new { id = 3 }, scope.Transaction));
            Assert.Equal("four", await scope.Connection.QuerySingleAsync<string>(NameOf, new { id = 4 }, scope.Transaction));
            Assert.Null(await scope.Connection.QuerySingleOrDefaultAsync<string>(NameOf, new { id = 5 }, scope.Transaction));
            Assert.Equal(["one", "three"], await scope.Connection.QueryAsync<string>(
                "SELECT name FROM items WHERE id IN @ids ORDER BY id", new { ids = OneAndThree }, scope.Transaction));
            Assert.Equal(["three", "four"], await scope.Connection.QueryAsync<string>(
                "SELECT name FROM items WHERE id IN @ids ORDER BY id", new { ids = ThreeFourAndNine }, scope.Transaction));
            // Parameters added before and after the expansion (Dapper keeps adding to the collection it read before rewriting the text).
            Assert.Equal(["three"], await scope.Connection.QueryAsync<string>(
                "SELECT name FROM items WHERE id > @min AND id IN @ids AND name <> @skip ORDER BY id", new { min = 1, ids = ThreeFourAndNine, skip = "four" }, scope.Transaction));
            Assert.Equal(1, await scope.Connection.ExecuteAsync("UPDATE items SET name = @name WHERE id = @id", new { id = 1, name = "uno" }, scope.Transaction));
            Assert.Equal(1, await scope.Connection.ExecuteAsync("UPDATE items SET name = @name WHERE id = @id", new { id = 3, name = "tres" }, scope.Transaction));
            await scope.CommitAsync(CancellationToken.None);
        }

        await using (var scope = await dialect.BeginWriteAsync(CancellationToken.None))
        {
            Assert.Equal(["uno", null, "tres", "four"], await scope.Connection.QueryAsync<string?>("SELECT name FROM items ORDER BY id", transaction: scope.Transaction));
        }
    }

    [Fact]
    public async Task WriteScope_SameTextRunWhileItsReaderIsOpen_RunsOnAnUncachedCommand()
    {
        await using var dialect = await OpenAsync();
        const string fromMin = "SELECT id, name FROM items WHERE id >= @min ORDER BY id";
        var writer = await WriterAsync(dialect);
        await using var scope = await dialect.BeginWriteAsync(CancellationToken.None);
        for (var id = 1; id <= 3; id++)
        {
            await scope.Connection.ExecuteAsync(Insert, new { id, name = $"item {id}" }, scope.Transaction);
        }

        var busy = writer.BusyMisses;
        var first = new List<long>();
        // Disposed, not DisposeAsync'ed: Dapper's reader disposes its command only in Dispose (see the next test).
        using (var reader = await scope.Connection.ExecuteReaderAsync(fromMin, new { min = 1 }, scope.Transaction))
        {
            Assert.True(await reader.ReadAsync());
            first.Add(reader.GetInt64(0));

            // The same text again while the first reader is still open.
            Assert.Equal([2L, 3L], await scope.Connection.QueryAsync<long>(fromMin, new { min = 2 }, scope.Transaction));
            Assert.Equal(busy + 1, writer.BusyMisses);

            while (await reader.ReadAsync())
            {
                first.Add(reader.GetInt64(0));
            }
        }

        Assert.Equal([1L, 2L, 3L], first);
        // A cached command is free again: the next run takes it.
        var hits = writer.CacheHits;
        Assert.Equal([3L], await scope.Connection.QueryAsync<long>(fromMin, new { min = 3 }, scope.Transaction));
        Assert.Equal(hits + 1, writer.CacheHits);
        Assert.Equal(busy + 1, writer.BusyMisses);
    }

    [Fact]
    public async Task WriteScope_CommandNeverDisposed_NextCommandOfItsTextTakesItsPlaceInTheCache()
    {
        await using var dialect = await OpenAsync();
        var writer = await WriterAsync(dialect);
        await using var scope = await dialect.BeginWriteAsync(CancellationToken.None);
        await scope.Connection.ExecuteAsync(Insert, new { id = 1, name = "one" }, scope.Transaction);

        // As Dapper's ExecuteReaderAsync reader does on DisposeAsync: the reader is closed, its command never disposed.
        var leaked = scope.Connection.CreateCommand();
        leaked.Transaction = scope.Transaction;
        leaked.CommandText = NameOf;
        var parameter = leaked.CreateParameter();
        parameter.ParameterName = "id";
        parameter.Value = 1;
        leaked.Parameters.Add(parameter);
        Assert.Equal("one", await leaked.ExecuteScalarAsync());

        var (created, hits, busy) = (writer.CommandsCreated, writer.CacheHits, writer.BusyMisses);
        Assert.Equal("one", await scope.Connection.ExecuteScalarAsync<string>(NameOf, new { id = 1 }, scope.Transaction));
        Assert.Equal("one", await scope.Connection.ExecuteScalarAsync<string>(NameOf, new { id = 1 }, scope.Transaction));

        Assert.Equal((created + 1, hits + 1, busy + 1), (writer.CommandsCreated, writer.CacheHits, writer.BusyMisses));
        GC.KeepAlive(leaked);
    }

    [Fact]
    public async Task Cache_MoreStatementsThanCapacity_StaysBoundedEvictingLeastRecentlyUsed()
    {
        await using var raw = new SqliteConnection("Data Source=:memory:");
        await raw.OpenAsync();
        await using var connection = new StatementCachingConnection(raw, capacity: 4);

        for (var i = 1; i <= 10; i++)
        {
            Assert.Equal(i, await connection.ExecuteScalarAsync<int>($"SELECT {i} * @one", new { one = 1 }));
            Assert.True(connection.CachedCount <= 4);
        }

        Assert.Equal(4, connection.CachedCount);
        Assert.Equal(10, connection.CommandsCreated);
        // 10 was used last: still cached. 1 was evicted long ago: prepared again.
        Assert.Equal(10, await connection.ExecuteScalarAsync<int>("SELECT 10 * @one", new { one = 1 }));
        Assert.Equal(1, connection.CacheHits);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT 1 * @one", new { one = 1 }));
        Assert.Equal(11, connection.CommandsCreated);
        Assert.Equal(4, connection.CachedCount);
    }

    [Fact]
    public async Task CachedStatement_AfterAMigrationChangesTheTable_PreparesAgainAndSeesTheNewColumn()
    {
        await using var dialect = await OpenAsync();
        const string all = "SELECT * FROM items WHERE id = @id";
        var writer = await WriterAsync(dialect);
        await using (var scope = await dialect.BeginWriteAsync(CancellationToken.None))
        {
            await scope.Connection.ExecuteAsync(Insert, new { id = 1, name = "one" }, scope.Transaction);
            Assert.Equal(2, await FieldCountAsync(scope.Connection, scope.Transaction));
            await scope.CommitAsync(CancellationToken.None);
        }

        await dialect.RunMigrationsLockedAsync(
            connection => connection.ExecuteAsync("ALTER TABLE items ADD COLUMN color TEXT NOT NULL DEFAULT 'blue'"), CancellationToken.None);

        await using (var scope = await dialect.BeginWriteAsync(CancellationToken.None))
        {
            var hits = writer.CacheHits;
            Assert.Equal(3, await FieldCountAsync(scope.Connection, scope.Transaction));
            Assert.Equal(hits + 1, writer.CacheHits);
            await scope.Connection.ExecuteAsync(Insert, new { id = 2, name = "two" }, scope.Transaction);
            Assert.Equal("blue", await scope.Connection.ExecuteScalarAsync<string>("SELECT color FROM items WHERE id = @id", new { id = 2 }, scope.Transaction));
        }

        static async Task<int> FieldCountAsync(DbConnection connection, DbTransaction? transaction)
        {
            using var reader = await connection.ExecuteReaderAsync(all, new { id = 1 }, transaction);
            Assert.True(await reader.ReadAsync());
            return reader.FieldCount;
        }
    }

    /// <summary>A SQLite store in the test's folder with one table, items.</summary>
    private async Task<SqliteDialect> OpenAsync()
    {
        var dialect = new SqliteDialect(Path.Combine(_directory, "bosun.db"));
        await dialect.RunMigrationsLockedAsync(
            connection => connection.ExecuteAsync("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)"), CancellationToken.None);
        return dialect;
    }

    private static async Task<StatementCachingConnection> WriterAsync(SqliteDialect dialect)
    {
        await using var scope = await dialect.BeginWriteAsync(CancellationToken.None);
        return Assert.IsType<StatementCachingConnection>(scope.Connection);
    }

    private static async Task<int> CountAsync(SqliteDialect dialect)
    {
        await using var connection = await dialect.OpenReadConnectionAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM items");
    }
}
