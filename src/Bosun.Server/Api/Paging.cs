using Bosun.Contracts;
using Bosun.Server.Domain;
using Bosun.Server.Storage;

namespace Bosun.Server.Api;

/// <summary>Offset/limit/cursor checks shared by every listing, and the keyset page of a list read whole.</summary>
internal static class Paging
{
    public const int MaxLimit = 500;

    public static int Offset(int? offset) => offset is < 0
        ? throw new ValidationException("offset", ["must be 0 or more"])
        : offset ?? 0;

    public static int Limit(int? limit) => limit switch
    {
        null => 100,
        < 1 or > MaxLimit => throw new ValidationException("limit", [$"must be between 1 and {MaxLimit}"]),
        _ => limit.Value,
    };

    /// <summary>A cursor continues where a page ended: it takes no offset besides.</summary>
    public static string? Cursor(string? cursor, int offset) => cursor is not null && offset != 0
        ? throw new ValidationException("cursor", ["a page asked for by cursor takes no offset"])
        : cursor;

    /// <summary>
    /// One page of a list the store reads whole (a pool's queues, a run's task runs, the API keys: lists bounded by what
    /// a person creates or one run records), ordered by <paramref name="key"/> (ordinal, unique per item). The cursor
    /// names the last key of the page before, not a position, so an item added or removed meanwhile neither repeats nor
    /// hides one of the others.
    /// </summary>
    public static Page<T> ByKey<T>(IEnumerable<T> items, Func<T, string> key, string? cursor, int? limit)
    {
        var size = Limit(limit);
        var after = cursor is null ? null : KeyCursor.Key(cursor);
        var ordered = items.Select(item => (Key: key(item), Item: item)).OrderBy(entry => entry.Key, StringComparer.Ordinal).ToList();
        var skipped = after is null ? 0 : ordered.Count(entry => string.CompareOrdinal(entry.Key, after) <= 0);
        var page = ordered.Skip(skipped).Take(size).ToList();
        return new Page<T>([.. page.Select(entry => entry.Item)], ordered.Count, skipped, size)
        {
            NextCursor = skipped + page.Count < ordered.Count ? KeyCursor.Of(page[^1].Key) : null,
        };
    }

    /// <summary>A key of <see cref="ByKey{T}"/> made of parts compared one after the other (names cannot hold control characters).</summary>
    public static string Key(params string[] parts) => string.Join(KeyCursor.Separator, parts);

    /// <summary>A number as a key part that sorts as the number does.</summary>
    public static string Key(int number) => ((long)number - int.MinValue).ToString("D10", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The metadata of a list route that answers a bare array, kept through API 1.x beside its paged form
    /// (docs/api.md, "Versioning"; listed in docs/api/deprecations.json).
    /// </summary>
    public static ObsoleteAttribute BareArray(string pagedRoute) =>
        new($"answers every item as a bare array; use `GET {pagedRoute}` (limit, cursor; a page envelope) instead. Sunset: removed in API 2.0.");

    /// <summary>A time as a key part that sorts as the time does.</summary>
    public static string Key(DateTimeOffset time) => time.UtcTicks.ToString("D19", System.Globalization.CultureInfo.InvariantCulture);
}
