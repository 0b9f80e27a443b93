using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;

namespace Bosun.Server.Storage;

/// <summary>
/// The SQLite writer connection, keeping its statements prepared. Microsoft.Data.Sqlite has no statement cache
/// (dotnet/efcore#14044): a SqliteCommand keeps its prepared statements only while it lives with the same CommandText,
/// and Dapper makes a new command per call, so every write statement was parsed again (sqlite3_prepare) on every
/// execution, a large part of SQLite's CPU under load. This connection hands out <see cref="CachedCommand"/>s: executing
/// one checks out the cached SqliteCommand of its exact text (a bounded LRU of <see cref="Capacity"/>, evicted commands
/// disposed), which runs again with new parameter values on its prepared statements (reset and rebound); disposing the
/// command returns it. Statements from sqlite3_prepare_v2 prepare themselves again after a
/// schema change (SQLITE_SCHEMA), so migrations on <see cref="Inner"/> leave the cache valid. Transactions stay the real
/// SqliteTransaction of <see cref="Inner"/>. Only the dialect's one writer, behind its gate, uses it; the lock just keeps
/// the bookkeeping safe.
/// </summary>
internal sealed class StatementCachingConnection(SqliteConnection inner, int capacity = StatementCachingConnection.DefaultCapacity) : DbConnection
{
    public const int DefaultCapacity = 256;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<CachedStatement>> _statements = new(StringComparer.Ordinal);

    /// <summary>Most recently used first.</summary>
    private readonly LinkedList<CachedStatement> _recent = new();

    private bool _disposed;

    /// <summary>The real connection: for migrations and transactions.</summary>
    public SqliteConnection Inner { get; } = inner;

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    /// <summary>SqliteCommands created (each prepares its statements on first execution): cache misses.</summary>
    public long CommandsCreated { get; private set; }

    /// <summary>Executions that got a cached SqliteCommand, its statements already prepared.</summary>
    public long CacheHits { get; private set; }

    /// <summary>Of <see cref="CommandsCreated"/>, those made because their text's cached command was in use (e.g. its reader still open).</summary>
    public long BusyMisses { get; private set; }

    /// <summary>Cached commands now: at most <see cref="Capacity"/>.</summary>
    public int CachedCount
    {
        get
        {
            lock (_lock)
            {
                return _statements.Count;
            }
        }
    }

    [AllowNull]
    public override string ConnectionString
    {
        get => Inner.ConnectionString;
        set => Inner.ConnectionString = value;
    }

    public override string Database => Inner.Database;

    public override string DataSource => Inner.DataSource;

    public override string ServerVersion => Inner.ServerVersion;

    public override ConnectionState State => Inner.State;

    protected override DbProviderFactory DbProviderFactory => SqliteFactory.Instance;

    public override void ChangeDatabase(string databaseName) => Inner.ChangeDatabase(databaseName);

    public override void Open() => Inner.Open();

    public override Task OpenAsync(CancellationToken cancellationToken) => Inner.OpenAsync(cancellationToken);

    public override void Close() => Inner.Close();

    protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) => Inner.BeginTransaction(isolationLevel);

    protected override DbCommand CreateDbCommand() => new CachedCommand(this);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_lock)
            {
                _disposed = true;
                foreach (var statement in _recent)
                {
                    if (!statement.InUse)
                    {
                        statement.Command.Dispose();
                    }
                }

                _recent.Clear();
                _statements.Clear();
            }

            // Also finalizes the statements of commands still in use (they are disposed as they come back).
            Inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>The cached command for <paramref name="text"/>, or a new one when there is none or it is in use.</summary>
    private SqliteCommand Rent(string text)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_statements.TryGetValue(text, out var node))
            {
                if (!node.Value.InUse)
                {
                    node.Value.InUse = true;
                    _recent.Remove(node);
                    _recent.AddFirst(node);
                    CacheHits++;
                    return node.Value.Command;
                }

                // E.g. its reader is still open: this one is returned to the cache instead (see Return).
                BusyMisses++;
                CommandsCreated++;
                return new SqliteCommand(text, Inner);
            }

            var statement = new CachedStatement(new SqliteCommand(text, Inner)) { InUse = true };
            _statements.Add(text, _recent.AddFirst(statement));
            CommandsCreated++;
            EvictBeyondCapacity();
            return statement.Command;
        }
    }

    /// <summary>
    /// Takes back a command from <see cref="Rent"/>. A <paramref name="reusable"/> one becomes its text's cached command
    /// when it is, when there is none, or when the cached one is still in use (a command never disposed then stops
    /// holding its text's place: the cached one is simply replaced; the other is disposed when it comes back).
    /// </summary>
    private void Return(SqliteCommand command, bool reusable)
    {
        if (reusable)
        {
            // A cached command keeps its prepared statements; what one use set must not leak into the next.
            command.Parameters.Clear();
            command.Transaction = null;
            command.CommandTimeout = Inner.DefaultTimeout;
        }

        lock (_lock)
        {
            if (!_disposed)
            {
                var text = command.CommandText;
                if (_statements.TryGetValue(text, out var node))
                {
                    if (ReferenceEquals(node.Value.Command, command) || (reusable && node.Value.InUse))
                    {
                        if (reusable)
                        {
                            node.Value.Command = command;
                            node.Value.InUse = false;
                            return;
                        }

                        _statements.Remove(text);
                        _recent.Remove(node);
                    }
                }
                else if (reusable)
                {
                    _statements.Add(text, _recent.AddFirst(new CachedStatement(command)));
                    EvictBeyondCapacity();
                    return;
                }
            }
        }

        command.Dispose();
    }

    /// <summary>
    /// Drops the least recently used commands until at most <see cref="Capacity"/> remain: disposed, or, when in use,
    /// disposed as they come back.
    /// </summary>
    private void EvictBeyondCapacity()
    {
        while (_statements.Count > Capacity && _recent.Last is { } last)
        {
            _recent.RemoveLast();
            _statements.Remove(last.Value.Command.CommandText);
            if (!last.Value.InUse)
            {
                last.Value.Command.Dispose();
            }
        }
    }

    private sealed class CachedStatement(SqliteCommand command)
    {
        public SqliteCommand Command { get; set; } = command;

        public bool InUse { get; set; }
    }

    /// <summary>
    /// A command of <see cref="StatementCachingConnection"/>. It keeps its own text, parameters, transaction and timeout
    /// (Dapper holds on to the parameter collection while it rewrites the text for IN lists); executing checks out the
    /// SqliteCommand of the text, gives it those, and delegates. Dispose returns that command to the cache, unless a
    /// reader of it is still open.
    /// </summary>
    internal sealed class CachedCommand(StatementCachingConnection connection) : DbCommand
    {
        private readonly ParameterCollection _parameters = new();
        private SqliteCommand? _inner;
        private string _text = string.Empty;
        private SqliteTransaction? _transaction;
        private int? _timeout;
        private SqliteDataReader? _reader;

        [AllowNull]
        public override string CommandText
        {
            get => _text;
            set
            {
                value ??= string.Empty;
                if (!string.Equals(value, _text, StringComparison.Ordinal))
                {
                    if (_reader is { IsClosed: false })
                    {
                        throw new InvalidOperationException("CommandText cannot be set while a data reader of the command is open.");
                    }

                    _text = value;
                }
            }
        }

        public override int CommandTimeout
        {
            get => _timeout ?? connection.Inner.DefaultTimeout;
            set => _timeout = value;
        }

        public override CommandType CommandType
        {
            get => CommandType.Text;
            set
            {
                if (value != CommandType.Text)
                {
                    throw new ArgumentException($"SQLite commands are text only, not {value}.", nameof(value));
                }
            }
        }

        public override bool DesignTimeVisible { get; set; }

        public override UpdateRowSource UpdatedRowSource { get; set; }

        protected override DbConnection? DbConnection
        {
            get => connection;
            set
            {
                if (!ReferenceEquals(value, connection))
                {
                    throw new NotSupportedException("A cached SQLite writer command stays on the writer connection.");
                }
            }
        }

        protected override DbTransaction? DbTransaction
        {
            get => _transaction;
            set => _transaction = (SqliteTransaction?)value;
        }

        protected override DbParameterCollection DbParameterCollection => _parameters;

        public override void Cancel() => _inner?.Cancel();

        public override void Prepare() => Ready().Prepare();

        protected override DbParameter CreateDbParameter() => new SqliteParameter();

        public override int ExecuteNonQuery() => Ready().ExecuteNonQuery();

        public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken) => Ready().ExecuteNonQueryAsync(cancellationToken);

        public override object? ExecuteScalar() => Ready().ExecuteScalar();

        public override Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken) => Ready().ExecuteScalarAsync(cancellationToken);

        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => _reader = Ready().ExecuteReader(behavior);

        protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken) =>
            _reader = await Ready().ExecuteReaderAsync(behavior, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Release();
            }

            base.Dispose(disposing);
        }

        /// <summary>The SqliteCommand of the current text, checked out, with this command's parameters, transaction and timeout.</summary>
        private SqliteCommand Ready()
        {
            if (_reader is { IsClosed: false })
            {
                throw new InvalidOperationException("The command's data reader is still open: close it before executing the command again.");
            }

            if (_inner is not null && !string.Equals(_inner.CommandText, _text, StringComparison.Ordinal))
            {
                Release();
            }

            _inner ??= connection.Rent(_text);
            var parameters = _inner.Parameters;
            parameters.Clear();
            for (var i = 0; i < _parameters.Count; i++)
            {
                var parameter = _parameters[i];
                // Dapper names parameters without their prefix; Microsoft.Data.Sqlite then looks each name up once bare and
                // again with each of '@', ':' and '$' (a UTF-8 copy and a native call each time, for every statement of the
                // text). The store's SQL names its parameters '@name', so the first look-up finds them.
                if (parameter.ParameterName is [not ('@' or ':' or '$'), ..] name)
                {
                    parameter.ParameterName = "@" + name;
                }

                parameters.Add(parameter);
            }

            _inner.Transaction = _transaction;
            _inner.CommandTimeout = CommandTimeout;
            return _inner;
        }

        /// <summary>Returns the checked-out command; one whose reader is still open is disposed (closing the reader, as SqliteCommand.Dispose does).</summary>
        private void Release()
        {
            if (_inner is not null)
            {
                connection.Return(_inner, reusable: _reader is not { IsClosed: false });
                _inner = null;
                _reader = null;
            }
        }
    }

    /// <summary>A command's own parameters (the collection's constructor is protected).</summary>
    private sealed class ParameterCollection : SqliteParameterCollection;
}
