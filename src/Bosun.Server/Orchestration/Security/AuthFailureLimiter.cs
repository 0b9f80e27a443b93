using System.Collections.Concurrent;
using System.Net;

namespace Bosun.Server.Orchestration.Security;

/// <summary>Slows down key guessing: an address with too many failed authentications in a minute gets 429 until the minute is over.</summary>
internal sealed class AuthFailureLimiter(TimeProvider timeProvider)
{
    public const int MaxFailures = 20;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<IPAddress, (int Count, DateTimeOffset Start)> _failures = new();

    public bool IsBlocked(IPAddress? address, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (address is null || !_failures.TryGetValue(address, out var entry))
        {
            return false;
        }

        var elapsed = timeProvider.GetUtcNow() - entry.Start;
        if (elapsed > Window)
        {
            _failures.TryRemove(address, out _);
            return false;
        }

        retryAfter = Window - elapsed;
        return entry.Count >= MaxFailures;
    }

    public void RecordFailure(IPAddress? address)
    {
        if (address is null)
        {
            return;
        }

        var now = timeProvider.GetUtcNow();
        _failures.AddOrUpdate(address, _ => (1, now), (_, entry) => now - entry.Start > Window ? (1, now) : (entry.Count + 1, entry.Start));
    }
}
