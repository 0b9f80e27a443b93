using System.Data.Common;
using Dapper;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>The web UI's data-protection key ring (migration 0012): one row per key, its XML as the key manager wrote it.</summary>
internal static class DataProtectionKeyStore
{
    public static async Task<IReadOnlyList<string>> ListAsync(DbConnection connection, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT xml FROM data_protection_keys ORDER BY created, name", cancellationToken: cancellationToken))).ToList();

    /// <summary>Adds a key; a name already there (the same key stored twice) is left as it is.</summary>
    public static Task InsertAsync(WriteScope scope, string name, string xml, DateTimeOffset now, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO data_protection_keys (name, xml, created) VALUES (@name, @xml, @created) ON CONFLICT (name) DO NOTHING",
            new { name, xml, created = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken));
}
