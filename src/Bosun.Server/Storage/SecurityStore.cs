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
        FindKeyByIdAsync(connection, id, null, cancellationToken);

    public static Task<ApiKeyRow?> FindKeyByIdAsync(DbConnection connection, Guid id, DbTransaction? transaction, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<ApiKeyRow?>(new CommandDefinition(
            "SELECT * FROM api_keys WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken));

    public static Task<int> RevokeKeyAsync(WriteScope scope, Guid id, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE api_keys SET revoked = TRUE WHERE id = @id", new { id }, scope.Transaction, cancellationToken: cancellationToken));

    public static Task<int> TouchKeyAsync(WriteScope scope, Guid id, DateTimeOffset now, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE api_keys SET last_used = @now WHERE id = @id", new { id, now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>Ends every session of the key (its revocation ends them); returns how many were still open.</summary>
    public static Task<int> RevokeSessionsOfKeyAsync(WriteScope scope, Guid keyId, DateTimeOffset now, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE ui_sessions SET revoked = @now WHERE key_id = @keyId AND revoked IS NULL", new { keyId, now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>A new web UI session; sessions that ended more than <paramref name="forgetBefore"/> ago are deleted with it.</summary>
    public static Task<int> InsertSessionAsync(WriteScope scope, UiSessionRow row, DateTimeOffset forgetBefore, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM ui_sessions WHERE expires < @forget OR revoked < @forget;
            INSERT INTO ui_sessions (id, key_id, key_name, created, last_seen, expires, revoked)
            VALUES (@Id, @KeyId, @KeyName, @Created, @LastSeen, @Expires, NULL)
            """, new { row.Id, row.KeyId, row.KeyName, row.Created, row.LastSeen, row.Expires, forget = Ms(forgetBefore) }, scope.Transaction,
            cancellationToken: cancellationToken));

    public static Task<UiSessionRow?> FindSessionAsync(DbConnection connection, Guid id, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<UiSessionRow?>(new CommandDefinition(
            "SELECT id, key_id AS KeyId, key_name AS KeyName, created, last_seen AS LastSeen, expires, revoked FROM ui_sessions WHERE id = @id",
            new { id }, cancellationToken: cancellationToken));

    /// <summary>Every session kept (ended ones are forgotten a week after), with whether its key still works, oldest first.</summary>
    public static async Task<IReadOnlyList<UiSessionRow>> ListSessionsAsync(DbConnection connection, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<UiSessionRow>(new CommandDefinition("""
            SELECT s.id, s.key_id AS KeyId, s.key_name AS KeyName, s.created, s.last_seen AS LastSeen, s.expires, s.revoked,
                   CASE WHEN k.id IS NOT NULL AND k.revoked = FALSE AND (k.expires IS NULL OR k.expires > @now) THEN 1 ELSE 0 END AS KeyWorks
            FROM ui_sessions s LEFT JOIN api_keys k ON k.id = s.key_id
            ORDER BY s.created, s.id
            """, new { now = Ms(now) }, cancellationToken: cancellationToken))).ToList();

    /// <summary>Notes a session's use and slides its end to <paramref name="expires"/>, unless it has ended.</summary>
    public static Task<int> TouchSessionAsync(WriteScope scope, Guid id, DateTimeOffset now, DateTimeOffset expires, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE ui_sessions SET last_seen = @now, expires = @expires WHERE id = @id AND revoked IS NULL AND expires > @now",
            new { id, now = Ms(now), expires = Ms(expires) }, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>Ends a session (signed out or revoked); 0 when there is no such session, 1 otherwise (an ended one stays as it was).</summary>
    public static Task<int> RevokeSessionAsync(WriteScope scope, Guid id, DateTimeOffset now, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE ui_sessions SET revoked = COALESCE(revoked, @now) WHERE id = @id", new { id, now = Ms(now) }, scope.Transaction, cancellationToken: cancellationToken));

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
