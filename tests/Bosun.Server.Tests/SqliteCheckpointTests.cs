using Bosun.Server.Storage;
using Bosun.Testing;
using Dapper;

namespace Bosun.Server.Tests;

/// <summary>
/// The SQLite store's write-ahead log is checkpointed off the writer (<see cref="SqliteCheckpointer"/>): the writer's own
/// threshold is a backstop, and committed pages reach the database file without a COMMIT copying them.
/// </summary>
public sealed class SqliteCheckpointTests : IDisposable
{
    private readonly string _directory = TempDirectory.Create("bosun-checkpoint");

    public void Dispose() => TempDirectory.Delete(_directory);

    [Fact]
    public async Task FewCommits_CheckpointedByTheCheckpointer_TheDatabaseFileHoldsThemAndTheWriterOnlyBacksUp()
    {
        var path = Path.Combine(_directory, "bosun.db");
        await using var dialect = new SqliteDialect(path);
        await dialect.RunMigrationsLockedAsync(connection => connection.ExecuteAsync("CREATE TABLE items (id INTEGER PRIMARY KEY, body BLOB)"),
            CancellationToken.None);
        var before = new FileInfo(path).Length;

        // Three commits of 64 KiB each: far below the writer's own threshold, and fewer than start a checkpoint at once.
        for (var i = 0; i < 3; i++)
        {
            await using var scope = await dialect.BeginWriteAsync(CancellationToken.None);
            if (i == 0)
            {
                Assert.Equal(SqliteCheckpointer.BackstopPages,
                    await scope.Connection.ExecuteScalarAsync<int>("PRAGMA wal_autocheckpoint", transaction: scope.Transaction));
            }

            await scope.Connection.ExecuteAsync("INSERT INTO items (body) VALUES (zeroblob(65536))", transaction: scope.Transaction);
            await scope.CommitAsync(CancellationToken.None);
        }

        // Within the checkpointer's interval, the WAL's pages are in the database file: nothing but it copied them there.
        await Eventually.WaitUntilAsync(() => Task.FromResult(dialect.Checkpoints >= 1 && new FileInfo(path).Length >= before + (3 * 65536)),
            "the three commits checkpointed into the database file", seen: () => $"{dialect.Checkpoints} checkpoints, {new FileInfo(path).Length} bytes (was {before})");
        await using var reader = await dialect.OpenReadConnectionAsync(CancellationToken.None);
        Assert.Equal(3, await reader.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM items"));
    }
}
