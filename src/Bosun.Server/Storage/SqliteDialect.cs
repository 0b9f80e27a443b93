using System.Data.Common;
using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Bosun.Server.Storage;

/// <summary>
/// SQLite in WAL mode. SQLite allows one writer at a time, so every write goes through one long-lived
/// connection behind an in-process gate and starts with BEGIN IMMEDIATE (no upgrade deadlocks); readers use
/// pooled connections and never block the writer. The writer keeps its statements prepared (<see cref="StatementCachingConnection"/>),
/// and callers that wait for it share its transactions (group commit: <see cref="Leave"/>).
/// </summary>
internal sealed class SqliteDialect : SqlDialect
{
    /// <summary>
    /// Set on every connection: SQLite's temporary tables, indexes and sorts (an ephemeral b-tree for IN or ORDER BY)
    /// stay in memory. The default puts each in a file it creates and unlinks in the temp folder (tens per second
    /// under load: open, unlink and close system calls on every one).
    /// </summary>
    private const string ConnectionPragmas = "PRAGMA temp_store=MEMORY;";

    private readonly string _connectionString;
    private readonly SemaphoreSlim _writerGate = new(1, 1);

    /// <summary>The pooled readers' native connections <see cref="ConnectionPragmas"/> has been run on: once each.</summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> _configuredReaders = [];
    private StatementCachingConnection? _writer;
    private SqliteCheckpointer? _checkpointer;

    public SqliteDialect(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = 30,
        }.ToString();
        DatabasePath = Path.GetFullPath(path);
    }

    public string DatabasePath { get; }

    public override string Kind => "sqlite";

    public override string Location => DatabasePath;

    public override string Description => $"SQLite {DatabasePath}";

    public override string MigrationFolder => "Sqlite";

    public override async Task<DbConnection> OpenReadConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        if (connection.Handle is { } handle && !_configuredReaders.TryGetValue(handle, out _))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = ConnectionPragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
            _configuredReaders.AddOrUpdate(handle, handle);
        }

        return connection;
    }

    public override async Task<WriteScope> BeginWriteAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            await _writerGate.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Decrement(ref _waiting);
            await CloseAbandonedGroupAsync();
            throw;
        }

        Interlocked.Decrement(ref _waiting);
        try
        {
            var writer = await GetWriterAsync(cancellationToken);
            // deferred: false is BEGIN IMMEDIATE: the write lock is taken up front, so no transaction fails half-way on SQLITE_BUSY.
            var group = _group ??= new WriteGroup(writer.Inner.BeginTransaction(deferred: false));
            _savepoint!.Run(group);
            group.Members++;
            return new WriteScope(this, writer, group.Transaction, new GroupMember(this, writer.Inner, group));
        }
        catch
        {
            if (_group is { } open)
            {
                // Not joined: the open transaction goes on to the next caller, or is committed for those that joined it.
                _ = Leave(open);
            }
            else
            {
                _writerGate.Release();
            }

            throw;
        }
    }

    /// <summary>
    /// Most callers whose writes one transaction takes, and the longest a transaction stays open for more: a caller's write
    /// is acknowledged once its group's COMMIT returns, so a group is bounded in size and in time.
    /// </summary>
    internal const int MaxGroupMembers = 32;

    /// <summary>How long a transaction takes more callers after it began (tests make it long, to see groups deterministically).</summary>
    internal TimeSpan MaxGroupOpen { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Callers that have asked for the writer and not got it yet: a caller leaving the writer hands the open transaction to them.</summary>
    private int _waiting;

    /// <summary>The open transaction the writer's callers add their savepoints to; only touched by the gate's holder.</summary>
    private WriteGroup? _group;

    private GroupStatement? _savepoint;
    private GroupStatement? _release;
    private GroupStatement? _rollBack;
    private long _commits;
    private long _writes;

    /// <summary>Write transactions committed on the writer: fewer than <see cref="Writes"/> when callers share them.</summary>
    internal long Commits => Interlocked.Read(ref _commits);

    /// <summary>Callers' writes committed (each caller's <see cref="WriteScope.CommitAsync"/> that succeeded).</summary>
    internal long Writes => Interlocked.Read(ref _writes);

    /// <summary>WAL checkpoints run off the writer (<see cref="SqliteCheckpointer"/>).</summary>
    internal long Checkpoints => _checkpointer?.Checkpoints ?? 0;

    /// <summary>Callers waiting for the writer now.</summary>
    internal int Waiting => Volatile.Read(ref _waiting);

    /// <summary>
    /// Group commit. Each caller's work is a savepoint in the writer's open transaction: a caller that commits releases
    /// its savepoint and, when other callers are waiting for the writer (and the group is below its bounds), hands the
    /// writer to the next one and waits for the group's COMMIT; the last caller of a group commits it. A caller that rolls
    /// back undoes its own savepoint only. Every caller is acknowledged after the COMMIT that holds its work (or gets its
    /// error): nothing is acknowledged that is not written. Under a steady stream of writes many callers share one BEGIN,
    /// one COMMIT and the WAL frames of the pages they all touch (index pages, a deployment's row).
    /// </summary>
    private Task Leave(WriteGroup group)
    {
        try
        {
            if (group.Broken || Volatile.Read(ref _waiting) == 0 || group.Members >= MaxGroupMembers || Stopwatch.GetElapsedTime(group.Opened) >= MaxGroupOpen)
            {
                EndGroup(group);
            }

            return group.Committed.Task;
        }
        finally
        {
            _writerGate.Release();
        }
    }

    /// <summary>Commits <paramref name="group"/> (rolls it back when a caller's error broke it) and answers its callers; under the gate.</summary>
    private void EndGroup(WriteGroup group)
    {
        _group = null;
        try
        {
            if (group.Broken)
            {
                try
                {
                    group.Transaction.Rollback();
                }
                catch (Exception ex) when (ex is SqliteException or InvalidOperationException)
                {
                    // SQLite already rolled it back (the error that broke the group).
                }

                group.Committed.TrySetException(new InvalidOperationException(
                    "The write was not stored: an error of another write in the same SQLite transaction rolled the transaction back."));
            }
            else
            {
                group.Transaction.Commit();
                var commits = Interlocked.Increment(ref _commits);
                _checkpointer?.Committed(commits);
                Interlocked.Add(ref _writes, group.Released);
                group.Committed.TrySetResult();
            }
        }
        catch (Exception ex)
        {
            group.Committed.TrySetException(ex);
        }
        finally
        {
            try
            {
                group.Transaction.Dispose();
            }
            catch (Exception ex) when (ex is SqliteException or InvalidOperationException)
            {
                // Its callers have their answer; the writer starts its next transaction afresh.
            }
        }
    }

    /// <summary>
    /// A caller counted as waiting gave up (cancelled) after a leaving caller handed the open transaction to the waiters:
    /// if nobody else is waiting, the group is committed here, so that its callers are not left waiting for a COMMIT.
    /// </summary>
    private async Task CloseAbandonedGroupAsync()
    {
        if (Volatile.Read(ref _group) is null)
        {
            return;
        }

        await _writerGate.WaitAsync(CancellationToken.None);
        try
        {
            if (_group is { } group && Volatile.Read(ref _waiting) == 0)
            {
                EndGroup(group);
            }
        }
        finally
        {
            _writerGate.Release();
        }
    }

    /// <summary>A savepoint statement on the writer, prepared once (kept out of the callers' statement cache and its counts).</summary>
    private sealed class GroupStatement(SqliteConnection writer, string text) : IDisposable
    {
        private readonly SqliteCommand _command = new(text, writer);

        public void Dispose() => _command.Dispose();

        public void Run(WriteGroup group)
        {
            _command.Transaction = group.Transaction;
            _command.ExecuteNonQuery();
        }
    }

    /// <summary>One transaction on the writer, shared by the callers that join it before it commits.</summary>
    private sealed class WriteGroup(SqliteTransaction transaction)
    {
        public SqliteTransaction Transaction { get; } = transaction;

        public long Opened { get; } = Stopwatch.GetTimestamp();

        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Members { get; set; }

        /// <summary>Members that committed their part (released their savepoint).</summary>
        public int Released { get; set; }

        /// <summary>A caller's error rolled SQLite's transaction back (or its savepoint could not be undone): the group cannot commit.</summary>
        public bool Broken { get; set; }
    }

    /// <summary>A caller's part of a <see cref="WriteGroup"/>: its savepoint, released on commit, rolled back on dispose.</summary>
    private sealed class GroupMember(SqliteDialect dialect, SqliteConnection writer, WriteGroup group) : WriteScope.IEnding
    {
        private bool _left;

        public async Task CommitAsync(CancellationToken cancellationToken)
        {
            if (_left)
            {
                throw new InvalidOperationException("This write has ended.");
            }

            try
            {
                dialect._release!.Run(group);
            }
            catch
            {
                await EndAsync(committed: false);
                throw;
            }

            _left = true;
            group.Released++;
            // Not cancellable: once released, the work is in the group's transaction and is written with it.
            await dialect.Leave(group);
        }

        public ValueTask EndAsync(bool committed)
        {
            if (_left)
            {
                return ValueTask.CompletedTask;
            }

            _left = true;
            try
            {
                dialect._rollBack!.Run(group);
            }
            catch (Exception ex) when (ex is SqliteException or InvalidOperationException)
            {
                group.Broken = true;
            }

            if (SQLitePCL.raw.sqlite3_get_autocommit(writer.Handle) != 0)
            {
                // SQLite ended the transaction itself (an I/O error, a full disk): the other callers' work went with it.
                group.Broken = true;
            }

            // A rolled-back caller waits for no COMMIT; the group's fate is its other callers'.
            _ = dialect.Leave(group);
            return ValueTask.CompletedTask;
        }
    }

    public override async Task RunMigrationsLockedAsync(Func<DbConnection, Task> migrate, CancellationToken cancellationToken)
    {
        await _writerGate.WaitAsync(cancellationToken);
        try
        {
            if (_group is { } group)
            {
                EndGroup(group);
            }

            var writer = await GetWriterAsync(cancellationToken);
            await migrate(writer.Inner);
        }
        finally
        {
            _writerGate.Release();
        }
    }

    private async Task<StatementCachingConnection> GetWriterAsync(CancellationToken cancellationToken)
    {
        if (_writer is not null)
        {
            return _writer;
        }

        var writer = new SqliteConnection(_connectionString);
        await writer.OpenAsync(cancellationToken);
        await using (var command = writer.CreateCommand())
        {
            // WAL survives a killed process with synchronous=NORMAL: committed transactions are in the WAL
            // file (the OS page cache) before COMMIT returns. Only an OS crash could lose the last ones.
            // The WAL is checkpointed by SqliteCheckpointer, off the writer; the writer itself only past its backstop.
            command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; " +
                $"PRAGMA wal_autocheckpoint={SqliteCheckpointer.BackstopPages}; " + ConnectionPragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        _checkpointer = new SqliteCheckpointer(_connectionString, () => Commits);

        _savepoint = new GroupStatement(writer, "SAVEPOINT bosun_write");
        _release = new GroupStatement(writer, "RELEASE bosun_write");
        _rollBack = new GroupStatement(writer, "ROLLBACK TO bosun_write; RELEASE bosun_write");
        _writer = new StatementCachingConnection(writer);
        return _writer;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_group is { } open)
        {
            EndGroup(open);
        }

        _checkpointer?.Dispose();
        _savepoint?.Dispose();
        _release?.Dispose();
        _rollBack?.Dispose();
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }

        _writerGate.Dispose();
        SqliteConnection.ClearAllPools();
    }
}
