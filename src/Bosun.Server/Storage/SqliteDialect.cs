using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Bosun.Server.Storage;

/// <summary>
/// SQLite in WAL mode. SQLite allows one writer at a time, so every write goes through one long-lived
/// connection behind an in-process gate and starts with BEGIN IMMEDIATE (no upgrade deadlocks); readers use
/// pooled connections and never block the writer. The writer keeps its statements prepared (<see cref="StatementCachingConnection"/>).
/// </summary>
internal sealed class SqliteDialect : SqlDialect
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writerGate = new(1, 1);
    private StatementCachingConnection? _writer;

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
        return connection;
    }

    public override async Task<WriteScope> BeginWriteAsync(CancellationToken cancellationToken)
    {
        await _writerGate.WaitAsync(cancellationToken);
        try
        {
            var writer = await GetWriterAsync(cancellationToken);
            // deferred: false is BEGIN IMMEDIATE: the write lock is taken up front, so no transaction fails half-way on SQLITE_BUSY.
            var transaction = writer.Inner.BeginTransaction(deferred: false);
            return new WriteScope(this, writer, transaction, () =>
            {
                _writerGate.Release();
                return ValueTask.CompletedTask;
            });
        }
        catch
        {
            _writerGate.Release();
            throw;
        }
    }

    public override async Task RunMigrationsLockedAsync(Func<DbConnection, Task> migrate, CancellationToken cancellationToken)
    {
        await _writerGate.WaitAsync(cancellationToken);
        try
        {
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
            command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        _writer = new StatementCachingConnection(writer);
        return _writer;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }

        _writerGate.Dispose();
        SqliteConnection.ClearAllPools();
    }
}
