using Bosun.Server.Storage;
using Bosun.Testing;
using Dapper;

namespace Bosun.Server.Tests;

/// <summary>
/// What every SQLite connection of the server runs with, the writer's and the pooled readers', new or reused from the
/// pool: temporary tables, indexes and sorts in memory (not a file created and unlinked in the temp folder for each).
/// </summary>
public sealed class SqliteConnectionSettingsTests : IDisposable
{
    private const int TempStoreMemory = 2;

    private readonly string _directory = TempDirectory.Create("bosun-settings");

    public void Dispose() => TempDirectory.Delete(_directory);

    [Fact]
    public async Task WriterAndReaders_NewAndPooled_KeepTemporaryDataInMemory()
    {
        await using var dialect = new SqliteDialect(Path.Combine(_directory, "bosun.db"));
        await dialect.RunMigrationsLockedAsync(connection => connection.ExecuteAsync("CREATE TABLE items (id INTEGER PRIMARY KEY)"), CancellationToken.None);

        await using (var scope = await dialect.BeginWriteAsync(CancellationToken.None))
        {
            Assert.Equal(TempStoreMemory, await scope.Connection.ExecuteScalarAsync<int>("PRAGMA temp_store", transaction: scope.Transaction));
            await scope.CommitAsync(CancellationToken.None);
        }

        // Three readers open at once (three connections of the pool), then three more after they went back to it (reused).
        for (var round = 0; round < 2; round++)
        {
            var readers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => dialect.OpenReadConnectionAsync(CancellationToken.None)));
            foreach (var reader in readers)
            {
                Assert.Equal(TempStoreMemory, await reader.ExecuteScalarAsync<int>("PRAGMA temp_store"));
                await reader.DisposeAsync();
            }
        }
    }
}
