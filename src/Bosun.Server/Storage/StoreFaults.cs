using Npgsql;

namespace Bosun.Server.Storage;

/// <summary>Which store failures are the database being away (503, retry later) or a conflict worth retrying at once.</summary>
internal static class StoreFaults
{
    /// <summary>The database cannot be reached, is restarting or shutting down: the request can be retried later.</summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState is "57P01" or "57P02" or "57P03" or "08000" or "08003" or "08006" or "53300",
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is System.Net.Sockets.SocketException or IOException or TimeoutException,
        System.Net.Sockets.SocketException => true,
        _ => exception.InnerException is { } inner && IsUnavailable(inner),
    };

    /// <summary>
    /// A unique constraint refused the write (PostgreSQL 23505, SQLite's SQLITE_CONSTRAINT_UNIQUE or _PRIMARYKEY): another
    /// writer took the key between a check and the write. The transaction is lost; the request is a conflict (409).
    /// </summary>
    public static bool IsUniqueViolation(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        _ => false,
    };

    /// <summary>A serialization failure or deadlock: the transaction did nothing and can simply run again.</summary>
    public static bool IsRetryableConflict(Exception exception) =>
        exception is PostgresException { SqlState: "40001" or "40P01" };
}
