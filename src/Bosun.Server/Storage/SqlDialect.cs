using System.Data.Common;
using Dapper;

namespace Bosun.Server.Storage;

/// <summary>
/// What differs between the SQL stores. Callers only see <see cref="BosunDatabase"/>; a new store (PostgreSQL)
/// is a new subclass plus its migration folder.
/// </summary>
internal abstract class SqlDialect : IAsyncDisposable
{
    /// <summary>The store kind reported by /api/health: sqlite or postgresql.</summary>
    public abstract string Kind { get; }

    /// <summary>Where the data is, for people and logs: the SQLite file, or PostgreSQL's host:port (never a password).</summary>
    public abstract string Location { get; }

    /// <summary>The store for people: "SQLite /path/bosun.db" or "PostgreSQL host:port/database".</summary>
    public abstract string Description { get; }

    /// <summary>Folder name of this dialect's numbered migration scripts.</summary>
    public abstract string MigrationFolder { get; }

    /// <summary>Opens a connection for reading.</summary>
    public abstract Task<DbConnection> OpenReadConnectionAsync(CancellationToken cancellationToken);

    /// <summary>Begins a write transaction; disposing the returned scope rolls back unless committed.</summary>
    public abstract Task<WriteScope> BeginWriteAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Begins the scope of work that reads, then writes in one command (its statements, and the deferred one, sent
    /// together): here a write transaction; PostgreSQL overrides it with no transaction at all, the command being atomic
    /// in its batch's implicit transaction, which saves the round trip of a COMMIT. Its reads are not locked or
    /// repeatable, as in any READ COMMITTED transaction.
    /// </summary>
    public virtual Task<WriteScope> BeginOneCommandWriteAsync(CancellationToken cancellationToken) => BeginWriteAsync(cancellationToken);

    /// <summary>
    /// Runs <paramref name="batch"/> (statements separated by ';') as one atomic unit and returns the rows it affected:
    /// here in a write transaction; PostgreSQL overrides it with one round trip in a batch's implicit transaction.
    /// </summary>
    public virtual async Task<int> ExecuteAtomicAsync(string batch, object parameters, CancellationToken cancellationToken)
    {
        await using var scope = await BeginWriteAsync(cancellationToken);
        var changed = await scope.Connection.ExecuteAsync(new CommandDefinition(batch, parameters, scope.Transaction, cancellationToken: cancellationToken));
        await scope.CommitAsync(cancellationToken);
        return changed;
    }

    /// <summary>Runs <paramref name="migrate"/> while holding the dialect's migration lock.</summary>
    public abstract Task RunMigrationsLockedAsync(Func<DbConnection, Task> migrate, CancellationToken cancellationToken);

    /// <summary>Appended to the claim's candidate query (rows of flow_runs r) to lock rows (PostgreSQL: FOR UPDATE OF r SKIP LOCKED).</summary>
    public string ClaimLockClause => SkipLockedOf("r");

    /// <summary>Appended to a select that locks the rows of <paramref name="alias"/> it returns, passing over rows others hold (PostgreSQL: FOR UPDATE OF alias SKIP LOCKED).</summary>
    public virtual string SkipLockedOf(string alias) => string.Empty;

    /// <summary>
    /// Whether writers work at once, each locking the rows it changes (PostgreSQL). SQLite's one writer orders every write:
    /// its lock clauses are empty, and whatever locks rows in a set order has nothing to do. Statement syntax that only
    /// PostgreSQL has (arrays, <c>unnest</c>) is asked of the dialect's type instead (<c>is PostgresDialect</c>), or, where
    /// a read has only its connection, of the connection's (<see cref="StoredValues.In"/>).
    /// </summary>
    public virtual bool LocksRows => false;

    /// <summary>Appended to a select that must lock its row until the transaction ends (PostgreSQL: FOR UPDATE). SQLite's one writer needs none.</summary>
    public virtual string RowLockClause => string.Empty;

    /// <summary>Appended to a select over joined tables that must lock the rows of <paramref name="alias"/> only (PostgreSQL: FOR UPDATE OF alias).</summary>
    public virtual string RowLockOf(string alias) => string.Empty;

    /// <summary>
    /// A statement that holds, until the transaction ends, the lock ordering a pool's claims against changes to the pool
    /// (parameter @poolId): shared for claims of a pool without a limit, exclusive for claims of a limited pool and for
    /// changes. Empty where one writer orders everything anyway (SQLite).
    /// </summary>
    public virtual string PoolLockStatement(bool exclusive) => string.Empty;

    /// <summary>Appended to a select that must keep its row from changing (but not from being read or shared) until the transaction ends.</summary>
    public virtual string RowShareClause => string.Empty;

    /// <summary>
    /// A statement that holds, until the transaction ends, a lock per run named in @runIds (an array of ids), so that the
    /// log writers of one run commit one after the other, in the order of their lines' ids. Empty where one writer orders
    /// everything anyway (SQLite).
    /// </summary>
    public virtual string LogWritersLockStatement => string.Empty;

    /// <summary>The dialect for a database setting: a PostgreSQL URI or connection string, else a SQLite file path.</summary>
    public static SqlDialect For(string database) =>
        PostgresDialect.IsPostgres(database) ? new PostgresDialect(database) : new SqliteDialect(database);

    public abstract ValueTask DisposeAsync();
}
