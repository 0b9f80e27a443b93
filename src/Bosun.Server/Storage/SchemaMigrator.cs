using System.Data.Common;
using System.Globalization;
using System.Reflection;
using Dapper;

namespace Bosun.Server.Storage;

/// <summary>
/// Applies the embedded, numbered, forward-only scripts of the dialect (NNNN_name.sql) in order, each in its own
/// transaction together with its version row, under the dialect's migration lock.
/// </summary>
internal sealed class SchemaMigrator(SqlDialect dialect, TimeProvider timeProvider)
{
    /// <summary>The embedded scripts of a dialect's migration folder (<see cref="SqlDialect.MigrationFolder"/>), in order: version and resource name.</summary>
    public static IReadOnlyList<(int Version, string Name)> Scripts(string migrationFolder)
    {
        var prefix = $"Bosun.Server.Storage.Migrations.{migrationFolder}.";
        return typeof(SchemaMigrator).Assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name => (Version: int.Parse(name.AsSpan(prefix.Length, 4), CultureInfo.InvariantCulture), Name: name))
            .OrderBy(script => script.Version)
            .ToList();
    }

    /// <summary>The highest version the code knows.</summary>
    public int LatestVersion => Scripts(dialect.MigrationFolder).Max(script => script.Version);

    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        var applied = 0;
        await dialect.RunMigrationsLockedAsync(async connection =>
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, applied BIGINT NOT NULL)",
                cancellationToken: cancellationToken));
            var current = await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
                "SELECT MAX(version) FROM schema_version", cancellationToken: cancellationToken)) ?? 0;
            if (current > LatestVersion)
            {
                throw new SchemaTooNewException(current, LatestVersion);
            }

            foreach (var (version, name) in Scripts(dialect.MigrationFolder).Where(script => script.Version > current))
            {
                var sql = await ReadScriptAsync(name, cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition(sql, transaction: transaction, cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO schema_version (version, applied) VALUES (@version, @applied)",
                    new { version, applied = timeProvider.GetUtcNow().ToUnixTimeMilliseconds() },
                    transaction,
                    cancellationToken: cancellationToken));
                await transaction.CommitAsync(cancellationToken);
                applied = version;
            }

            applied = Math.Max(applied, current);
        }, cancellationToken);
        return applied;
    }

    private static async Task<string> ReadScriptAsync(string resourceName, CancellationToken cancellationToken)
    {
        await using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"Migration script {resourceName} is not embedded.");
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(cancellationToken);
    }
}
