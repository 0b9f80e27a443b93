using Npgsql;

namespace Bosun.Testing;

/// <summary>
/// Which store the tests run on: SQLite (default) or PostgreSQL when BOSUN_TEST_STORE=postgresql. Each PostgreSQL test
/// server gets a database of its own, created from the cluster in BOSUN_TEST_POSTGRES (or the file the CI set-up
/// script writes), and dropped afterwards.
/// </summary>
public static class TestDatabases
{
    private const string SetupFile = "/tmp/bosun-ci/postgres.env";

    public static bool UsePostgres => string.Equals(Environment.GetEnvironmentVariable("BOSUN_TEST_STORE"), "postgresql", StringComparison.OrdinalIgnoreCase);

    /// <summary>The admin connection string of the test cluster, or null when none is configured.</summary>
    public static string? PostgresAdmin
    {
        get
        {
            var value = Environment.GetEnvironmentVariable("BOSUN_TEST_POSTGRES");
            if (string.IsNullOrWhiteSpace(value) && File.Exists(SetupFile))
            {
                value = File.ReadLines(SetupFile).FirstOrDefault(l => l.StartsWith("BOSUN_TEST_POSTGRES=", StringComparison.Ordinal))?["BOSUN_TEST_POSTGRES=".Length..];
            }

            return string.IsNullOrWhiteSpace(value) ? null : value;
        }
    }

    /// <summary>A fresh, empty PostgreSQL database; returns its connection string.</summary>
    public static async Task<string> CreatePostgresDatabaseAsync()
    {
        var admin = PostgresAdmin ?? throw new InvalidOperationException(
            "BOSUN_TEST_STORE=postgresql but no PostgreSQL cluster is configured: run scripts/ci-setup/10-postgres.sh or set BOSUN_TEST_POSTGRES.");
        var name = $"bosun_t_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    /// <summary>
    /// The database a test server used in <paramref name="directory"/>: a PostgreSQL connection string (created when
    /// missing) or the SQLite file; <paramref name="postgres"/> chooses, or BOSUN_TEST_STORE when null.
    /// </summary>
    public static async Task<string> ForDirectoryAsync(string directory, bool? postgres = null)
    {
        if (!(postgres ?? UsePostgres))
        {
            return Path.Combine(directory, "bosun.db");
        }

        var marker = Path.Combine(directory, "postgres.connection");
        if (File.Exists(marker))
        {
            return await File.ReadAllTextAsync(marker);
        }

        var database = await CreatePostgresDatabaseAsync();
        await File.WriteAllTextAsync(marker, database);
        return database;
    }

    /// <summary>Removes a test folder and, with PostgreSQL, the database that belongs to it.</summary>
    public static async Task DeleteDirectoryAsync(string directory)
    {
        var marker = Path.Combine(directory, "postgres.connection");
        if (File.Exists(marker))
        {
            await DropPostgresDatabaseAsync(await File.ReadAllTextAsync(marker));
        }

        TempDirectory.Delete(directory);
    }

    public static async Task DropPostgresDatabaseAsync(string connectionString)
    {
        var admin = PostgresAdmin;
        if (admin is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        try
        {
            await command.ExecuteNonQueryAsync();
        }
        catch (PostgresException ex) when (ex.SqlState is "42501" or "55006")
        {
            // A server process of another role (autovacuum) was in the database and cannot be terminated by the test
            // role: the database is left behind in the throwaway test cluster rather than failing the test that used it.
        }
    }
}
