using Bosun.Server.Orchestration;
using Bosun.Server.Storage;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>The numbered migrations of both dialects, and a store written by a newer Bosun.</summary>
public sealed class SchemaMigrationTests
{
    [Fact]
    public void Migrations_SqliteAndPostgres_SameNumberedScripts()
    {
        static List<string> FileNames(string folder) =>
            SchemaMigrator.Scripts(folder).Select(script => script.Name[$"Bosun.Server.Storage.Migrations.{folder}.".Length..]).ToList();

        var sqlite = FileNames("Sqlite");
        var postgres = FileNames("Postgres");
        var versions = SchemaMigrator.Scripts("Sqlite").Select(script => script.Version).ToList();

        Assert.NotEmpty(sqlite);
        Assert.Equal(sqlite, postgres);
        // Numbered 1, 2, 3... with no gap and no number used twice: the migrator applies every version above the stored one.
        Assert.Equal(Enumerable.Range(1, versions.Count), versions);
    }

    [Fact]
    public async Task StartAsync_DatabaseSchemaNewerThanCode_RefusedWithSchemaTooNew()
    {
        var directory = TempDirectory.Create("bosun-schema");
        try
        {
            await using (await TestServer.StartAsync(directory: directory))
            {
                // Migrated to the code's latest version.
            }

            var database = await TestDatabases.ForDirectoryAsync(directory);
            int latest;
            await using (var dialect = SqlDialect.For(database))
            {
                latest = new SchemaMigrator(dialect, TimeProvider.System).LatestVersion;
                await using var connection = await dialect.OpenReadConnectionAsync(CancellationToken.None);
                await using var command = connection.CreateCommand();
                // What a newer Bosun would have recorded after applying a migration this code does not know.
                command.CommandText = $"INSERT INTO schema_version (version, applied) VALUES ({latest + 1}, 0)";
                await command.ExecuteNonQueryAsync();
            }

            await using var server = BosunServer.Create(new BosunServerOptions
            {
                Host = "127.0.0.1",
                Port = 0,
                Database = database,
                KeyFile = Path.Combine(directory, "bosun.key"),
            });
            var refusal = await Assert.ThrowsAsync<SchemaTooNewException>(() => server.StartAsync());

            Assert.Equal(latest + 1, refusal.DatabaseVersion);
            Assert.Equal(latest, refusal.CodeVersion);
            Assert.Equal(
                $"The database schema is at version {latest + 1}, but this Bosun server only knows versions up to {latest}. Upgrade Bosun, or point it at another database.",
                refusal.Message);
        }
        finally
        {
            await TestDatabases.DeleteDirectoryAsync(directory);
        }
    }
}
