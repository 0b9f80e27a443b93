namespace Bosun.Worker;

/// <summary>When the worker last polled successfully; /health answers from it.</summary>
internal sealed class WorkerHealth
{
    private long _lastPollTicks;

    public DateTimeOffset? LastPoll => Interlocked.Read(ref _lastPollTicks) is var ticks && ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);

    public void RecordPoll(DateTimeOffset when) => Interlocked.Exchange(ref _lastPollTicks, when.UtcTicks);

    public bool IsHealthy(DateTimeOffset now, TimeSpan staleAfter) => LastPoll is { } last && now - last <= staleAfter;
}
