namespace Bosun.Bench.Peers;

/// <summary>The one clock every process of the comparison reads: Unix milliseconds with sub-millisecond precision.</summary>
public static class Clock
{
    public static double NowMs() => (TimeProvider.System.GetUtcNow() - DateTimeOffset.UnixEpoch).TotalMilliseconds;

    public static DateTimeOffset FromMs(double ms) => DateTimeOffset.UnixEpoch.AddMilliseconds(ms);
}
