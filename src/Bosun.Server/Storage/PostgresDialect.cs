using System.Data;
using System.Data.Common;
using Dapper;
using Npgsql;

namespace Bosun.Server.Storage;

/// <summary>
/// PostgreSQL through Npgsql: pooled connections, READ COMMITTED write transactions (claims lock the pool row, so
/// concurrent claims of one pool serialize across replicas), an advisory lock around migrations.
/// </summary>
internal sealed class PostgresDialect : SqlDialect
{
    /// <summary>The advisory lock taken while migrating ("bosun" in ASCII).</summary>
    private const long MigrationLockKey = 0x626f73756e;

    /// <summary>The first key of the pools' advisory locks; the second is a hash of the pool's id.</summary>
    private const int PoolLockClass = 0x706f;

    /// <summary>The first key of the runs' log-writer locks ("lg"); the second is a hash of the run's id.</summary>
    private const int LogWritersLockClass = 0x6c67;

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _dedicatedConnectionString;

    public PostgresDialect(string connectionString)
    {
        // The same few dozen statements run all the time: let Npgsql prepare them (parse and plan once per connection).
        var prepared = new NpgsqlConnectionStringBuilder(ToKeywords(connectionString));
        if (prepared.MaxAutoPrepare == 0)
        {
            prepared.MaxAutoPrepare = 64;
            prepared.AutoPrepareMinUsages = 2;
        }

        // Bosun keeps no session state on pooled connections (LISTEN and the leader's lock have their own), so the reset
        // statements Npgsql would otherwise send with every checkout (six of them) are pure cost.
        prepared.NoResetOnClose = true;

        ConnectionString = prepared.ConnectionString;
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        Endpoint = $"{builder.Host}:{builder.Port}";
        DatabaseName = builder.Database ?? "";
        _dataSource = NpgsqlDataSource.Create(ConnectionString);
        _dedicatedConnectionString = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString;
    }

    public string ConnectionString { get; }

    /// <summary>host:port, for error messages.</summary>
    public string Endpoint { get; }

    /// <summary>The database's name.</summary>
    public string DatabaseName { get; }

    public override string Kind => "postgresql";

    public override string Location => Endpoint;

    public override string Description => $"PostgreSQL {Endpoint}/{DatabaseName}";

    public override string MigrationFolder => "Postgres";

    public override string SkipLockedOf(string alias) => $"FOR UPDATE OF {alias} SKIP LOCKED";

    public override string RowShareClause => "FOR SHARE";

    public override bool LocksRows => true;

    public override string RowLockClause => "FOR UPDATE";

    public override string RowLockOf(string alias) => $"FOR UPDATE OF {alias}";

    /// <summary>
    /// A transaction advisory lock in a key space of its own (the two-key form; 0x706f = "po"): unlike FOR SHARE on the
    /// pool's row, concurrent shared holders cost nothing (no multixact per claim).
    /// </summary>
    public override string PoolLockStatement(bool exclusive) =>
        $"SELECT pg_advisory_xact_lock{(exclusive ? "" : "_shared")}({PoolLockClass}, hashtext(@poolId))";

    /// <summary>
    /// Without it, two batches of one run (the flow process's and its worker's) could commit out of id order: a follower
    /// that had read the later one would step over the earlier one for good. Locks are taken in key order, so writers of
    /// several runs at once cannot deadlock (the ORDER BY runs before the volatile function).
    /// </summary>
    public override string LogWritersLockStatement =>
        $"SELECT pg_advisory_xact_lock({LogWritersLockClass}, k) FROM (SELECT DISTINCT hashtext(r) AS k FROM unnest(@runIds) AS r) AS keys ORDER BY k";

    public override async Task<DbConnection> OpenReadConnectionAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    public override async Task<WriteScope> BeginWriteAsync(CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            return new WriteScope(this, connection, transaction, new WriteScope.OwnTransaction(connection, transaction));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>No transaction: the one write command is atomic by itself (see <see cref="ExecuteAtomicAsync"/>).</summary>
    public override async Task<WriteScope> BeginOneCommandWriteAsync(CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return new WriteScope(this, connection, null, new WriteScope.NoTransaction(connection));
    }

    /// <summary>No BEGIN/COMMIT: PostgreSQL runs the statements of one batch (one Sync) in an implicit transaction of their own.</summary>
    public override async Task<int> ExecuteAtomicAsync(string batch, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(batch, parameters, cancellationToken: cancellationToken));
    }

    public override async Task RunMigrationsLockedAsync(Func<DbConnection, Task> migrate, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLockKey})", connection))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await migrate(connection);
        }
        finally
        {
            await using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({MigrationLockKey})", connection);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// A connection of its own, outside every pool, for session state (the leader's lock, LISTEN): closing it ends the
    /// session. A pooled one went back to Npgsql's pool still holding the lock (no reset on close), so a server started
    /// again in the same process never became leader.
    /// </summary>
    public NpgsqlConnection CreateDedicatedConnection() => new(_dedicatedConnectionString);

    public override async ValueTask DisposeAsync() => await _dataSource.DisposeAsync();

    /// <summary>Accepts a keyword connection string or a postgresql:// URI.</summary>
    public static string ToKeywords(string connectionString)
    {
        if (!connectionString.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) &&
            !connectionString.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return connectionString;
        }

        var uri = new Uri(connectionString);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } database ? database : "bosun",
        };
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length > 1)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            builder[Uri.UnescapeDataString(kv[0])] = kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : "";
        }

        return builder.ConnectionString;
    }

    /// <summary>True when <paramref name="database"/> names a PostgreSQL database rather than a SQLite file.</summary>
    public static bool IsPostgres(string database) =>
        database.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) ||
        database.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) ||
        database.Contains("Host=", StringComparison.OrdinalIgnoreCase);
}
