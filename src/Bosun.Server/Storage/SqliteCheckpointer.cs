using Microsoft.Data.Sqlite;

namespace Bosun.Server.Storage;

/// <summary>
/// Checkpoints SQLite's write-ahead log off the writer. By default SQLite checkpoints inside the COMMIT that grows the WAL
/// past 1,000 pages: it copies the WAL's pages into the database file and syncs both, and every caller waiting for the
/// single writer waits for it. Here the writer checkpoints only past <see cref="BackstopPages"/> (a checkpointer that
/// cannot keep up), and a thread of its own checkpoints on its own connection, PASSIVE (it waits for no reader and no
/// writer): after every <see cref="CommitsPerCheckpoint"/> commits, and within <see cref="Interval"/> of any commit.
/// </summary>
internal sealed class SqliteCheckpointer : IDisposable
{
    /// <summary>The writer's own auto-checkpoint threshold, in pages: reached only when this thread falls behind.</summary>
    public const int BackstopPages = 10_000;

    /// <summary>Commits after which a checkpoint starts at once (a W1 commit adds some 10–20 pages).</summary>
    public const int CommitsPerCheckpoint = 64;

    /// <summary>The longest a commit waits for its checkpoint when fewer commits follow it.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly string _connectionString;
    private readonly Func<long> _commits;
    private readonly SemaphoreSlim _due = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private long _checkpoints;

    /// <param name="connectionString">The database's.</param>
    /// <param name="commits">The writer's commits so far: a checkpoint runs only when there were some since the last.</param>
    public SqliteCheckpointer(string connectionString, Func<long> commits)
    {
        _connectionString = connectionString;
        _commits = commits;
        _thread = new Thread(Run) { IsBackground = true, Name = "Bosun SQLite checkpointer" };
        _thread.Start();
    }

    /// <summary>Checkpoints run so far (tests wait on it).</summary>
    public long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>The writer committed, its <paramref name="commits"/>-th time: called after each COMMIT, never blocks.</summary>
    public void Committed(long commits)
    {
        if (commits % CommitsPerCheckpoint == 0 && _due.CurrentCount == 0)
        {
            try
            {
                _due.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another commit woke it first.
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
        _due.Dispose();
    }

    private void Run()
    {
        using var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            var seen = 0L;
            while (!_stop.IsCancellationRequested)
            {
                _due.Wait(Interval, _stop.Token);
                var commits = _commits();
                if (commits == seen)
                {
                    continue;
                }

                seen = commits;
                try
                {
                    checkpoint.ExecuteNonQuery();
                    Interlocked.Increment(ref _checkpoints);
                }
                catch (SqliteException)
                {
                    // The database is going away, or another connection checkpoints (the writer's backstop): the next
                    // commit tries again, and the writer's backstop bounds the WAL meanwhile.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
        catch (SqliteException)
        {
            // The database cannot be opened here: the writer's backstop checkpoints instead.
        }
    }
}
