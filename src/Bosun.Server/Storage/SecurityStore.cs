using System.Data.Common;
using Dapper;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>API keys (hashes only) and encrypted secrets.</summary>
internal static class SecurityStore
{
    public static Task InsertKeyAsync(WriteScope scope, ApiKeyRow row, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO api_keys (id, name, role, prefix, hash, revoked, expires, last_used, created, pools)
            VALUES (@Id, @Name, @Role, @Prefix, @Hash, @Revoked, @Expires, NULL, @Created, @Pools)
            """, row, scope.Transaction, cancellationToken: cancellationToken));

    public static async Task<IReadOnlyList<ApiKeyRow>> ListKeysAsync(DbConnection connection, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<ApiKeyRow>(new CommandDefinition("SELECT * FROM api_keys ORDER BY created", cancellationToken: cancellationToken))).ToList();

    public static Task<ApiKeyRow?> FindKeyByHashAsync(DbConnection connection, string hash, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<ApiKeyRow?>(new CommandDefinition(
            "SELECT * FROM api_keys WHERE hash = @hash", new { hash }, cancellationToken: cancellationToken));

    public static Task<ApiKeyRow?> FindKeyByIdAsync(DbConnection connection, Guid id, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<ApiKeyRow?>(new CommandDefinition(
            "SELECT * FROM api_keys WHERE id = @id", new { id }, cancellationToken: cancellationToken));

    public static Task<int> RevokeKeyAsync(WriteScope scope, Guid id, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE api_keys SET revoked = TRUE WHERE id = @id", new { id }, scope.Transaction, cancellationToken: cancellationToken));

    public static Task<int> TouchKeyAsync(WriteScope scope, Guid id, DateTimeOffset now, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE api_keys SET last_used = @now WHERE id = @id", new { id, now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>Keys that still work: not revoked, not expired. <paramref name="adminsOnly"/> counts admin keys only.</summary>
    public static Task<int> CountActiveKeysAsync(DbConnection connection, DateTimeOffset now, bool adminsOnly, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM api_keys WHERE revoked = FALSE AND (expires IS NULL OR expires > @now) AND (@adminsOnly = FALSE OR role = 'admin')",
            new { now = Ms(now), adminsOnly }, cancellationToken: cancellationToken));

    /// <summary>Whether an admin key works now, as this write transaction sees the keys.</summary>
    public static async Task<bool> AnyActiveAdminKeyAsync(WriteScope scope, DateTimeOffset now, CancellationToken cancellationToken) =>
        await scope.Connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM api_keys WHERE revoked = FALSE AND (expires IS NULL OR expires > @now) AND role = 'admin'",
            new { now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken)) > 0;

    /// <summary>Keeps the hash of a new bootstrap token until <paramref name="expires"/>, and forgets expired ones.</summary>
    public static Task InsertBootstrapTokenAsync(WriteScope scope, string hash, DateTimeOffset now, DateTimeOffset expires, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM bootstrap_tokens WHERE expires <= @now;
            INSERT INTO bootstrap_tokens (hash, created, expires) VALUES (@hash, @now, @expires)
            """, new { hash, now = Ms(now), expires = Ms(expires) }, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Uses up the bootstrap token with this hash, if it is still valid, and with it every other one (replicas each made
    /// one): true when it was valid. Its row is deleted first, so of two exchanges at once the second finds it gone.
    /// </summary>
    public static async Task<bool> ConsumeBootstrapTokenAsync(WriteScope scope, string hash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var valid = await scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM bootstrap_tokens WHERE hash = @hash AND expires > @now", new { hash, now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken)) > 0;
        if (valid)
        {
            await scope.Connection.ExecuteAsync(new CommandDefinition("DELETE FROM bootstrap_tokens", transaction: scope.Transaction, cancellationToken: cancellationToken));
        }

        return valid;
    }

    public static async Task UpsertSecretAsync(WriteScope scope, string name, string ciphertext, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var updated = await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE secrets SET ciphertext = @ciphertext, updated = @now WHERE name = @name", new { name, ciphertext, now = Ms(now) },
            scope.Transaction, cancellationToken: cancellationToken));
        if (updated == 0)
        {
            await scope.Connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO secrets (name, ciphertext, created, updated) VALUES (@name, @ciphertext, @now, @now)", new { name, ciphertext, now = Ms(now) },
                scope.Transaction, cancellationToken: cancellationToken));
        }
    }

    public static async Task<IReadOnlyList<(string Name, string Ciphertext, long Created, long Updated)>> ListSecretsAsync(DbConnection connection, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<(string, string, long, long)>(new CommandDefinition(
            "SELECT name, ciphertext, created, updated FROM secrets ORDER BY name", cancellationToken: cancellationToken))).ToList();

    public static Task<int> DeleteSecretAsync(WriteScope scope, string name, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM secrets WHERE name = @name", new { name }, scope.Transaction, cancellationToken: cancellationToken));
}
