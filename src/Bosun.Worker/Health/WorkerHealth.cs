namespace Bosun.Worker;

/// <summary>When the worker last polled successfully, and its metrics; /health and /metrics answer from it.</summary>
internal sealed class WorkerHealth
{
    private long _lastPollTicks;

    /// <summary>The worker's own metrics, served beside /health.</summary>
    public WorkerMetrics Metrics { get; } = new();

    public DateTimeOffset? LastPoll => Interlocked.Read(ref _lastPollTicks) is var ticks && ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);

    public void RecordPoll(DateTimeOffset when) => Interlocked.Exchange(ref _lastPollTicks, when.UtcTicks);

    public bool IsHealthy(DateTimeOffset now, TimeSpan staleAfter) => LastPoll is { } last && now - last <= staleAfter;
}
