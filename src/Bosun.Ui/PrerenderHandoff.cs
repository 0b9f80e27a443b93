using System.Collections.Concurrent;

namespace Bosun.Ui;

/// <summary>
/// Hands what a page read while it was prerendered to the same page once its circuit starts, so that the page is not
/// read twice. The data stays in this process; the page's persisted state (sent to the browser and back, data-protected)
/// carries only the token. Blazor's own persisted state would carry the data itself, through SignalR's 32 KB message
/// limit, which a list of runs or a page of log lines outgrows.
/// </summary>
internal sealed class PrerenderHandoff(TimeProvider clock)
{
    /// <summary>How long a handoff waits for its circuit; a browser that never starts one leaves it to expire.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    /// <summary>At most this many wait at once: prerendered pages whose circuit never came cost memory for <see cref="Lifetime"/> only.</summary>
    public const int Capacity = 1000;

    private readonly ConcurrentDictionary<string, (object Data, DateTimeOffset Expires)> _waiting = new(StringComparer.Ordinal);

    /// <summary>Keeps <paramref name="data"/> for the circuit to come; the returned token names it.</summary>
    public string Put(object data)
    {
        var now = clock.GetUtcNow();
        if (_waiting.Count >= Capacity)
        {
            foreach (var (token, entry) in _waiting)
            {
                if (entry.Expires <= now || _waiting.Count >= Capacity)
                {
                    _waiting.TryRemove(token, out _);
                }
            }
        }

        var key = Guid.NewGuid().ToString("N");
        _waiting[key] = (data, now + Lifetime);
        return key;
    }

    /// <summary>The data <paramref name="token"/> names, once: false when it expired, was taken, or is of another type.</summary>
    public bool TryTake<T>(string token, out T? data)
        where T : class
    {
        data = null;
        if (!_waiting.TryRemove(token, out var entry) || entry.Expires <= clock.GetUtcNow())
        {
            return false;
        }

        data = entry.Data as T;
        return data is not null;
    }
}
