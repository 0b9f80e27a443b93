using Bosun.Server.Storage;

namespace Bosun.Server.Orchestration.Logs;

/// <summary>
/// The feeds of the runs being followed on this server: the first follower of a run starts its feed, the last one to
/// leave stops it, and an ended feed is replaced by a new one (which finds the run's log ended too, after reading what
/// came since).
/// </summary>
internal sealed class RunLogFeeds(BosunDatabase database, RunSignals signals, TimeProvider clock, ILogger<RunLogFeeds> logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, RunLogFeed> _feeds = [];

    /// <summary>The most each feed holds (<see cref="RunLogFeed.DefaultMaxHeldBytes"/>; tests make it small).</summary>
    public long MaxHeldBytes { get; set; } = RunLogFeed.DefaultMaxHeldBytes;

    /// <summary>The bytes of events the feed of <paramref name="runId"/> holds, if it has one (for tests).</summary>
    public long? HeldBytes(Guid runId)
    {
        lock (_gate)
        {
            return _feeds.TryGetValue(runId, out var feed) ? feed.HeldBytes : null;
        }
    }

    /// <summary>The number of runs with a feed (for tests).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _feeds.Count;
            }
        }
    }

    /// <summary>Whether the run has followers on this server (whose feed takes its written lines: <see cref="HandOff"/>).</summary>
    public bool IsFollowed(Guid runId)
    {
        lock (_gate)
        {
            return _feeds.ContainsKey(runId);
        }
    }

    /// <summary>Gives the run's feed, if it has one, the lines a write through this server added (<see cref="RunLogFeed.HandOff"/>).</summary>
    public void HandOff(WrittenLogLines written)
    {
        RunLogFeed? feed;
        lock (_gate)
        {
            feed = _feeds.GetValueOrDefault(written.RunId);
        }

        feed?.HandOff(written);
    }

    /// <summary>The feed of <paramref name="runId"/>, counted as followed until <see cref="Leave"/>.</summary>
    public RunLogFeed Join(Guid runId)
    {
        lock (_gate)
        {
            if (!_feeds.TryGetValue(runId, out var feed) || feed.Completion.IsCompleted)
            {
                feed = new RunLogFeed(runId, database, signals, clock, logger, MaxHeldBytes);
                _feeds[runId] = feed;
            }

            feed.Followers++;
            return feed;
        }
    }

    public void Leave(RunLogFeed feed)
    {
        lock (_gate)
        {
            if (--feed.Followers > 0)
            {
                return;
            }

            if (_feeds.TryGetValue(feed.RunId, out var current) && ReferenceEquals(current, feed))
            {
                _feeds.Remove(feed.RunId);
            }
        }

        _ = feed.DisposeAsync().AsTask();
    }
}
