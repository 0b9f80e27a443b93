using System.Buffers.Text;
using System.Text;
using Bosun.Server.Domain;

namespace Bosun.Server.Storage;

/// <summary>
/// The opaque cursor of a list paged by key (<see cref="Contracts.Page{T}.NextCursor"/>): the sort key of the page's last
/// item, in parts, so the next page is the items after it. An item added or removed meanwhile neither repeats nor hides
/// another, and the store finds the page through its index whatever the depth.
/// </summary>
internal static class KeyCursor
{
    private const string Mark = "k1:";

    /// <summary>Separates the parts of a key (names cannot hold control characters).</summary>
    public const char Separator = '\u0001';

    public static string Of(params string[] parts) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Mark + string.Join(Separator, parts)));

    /// <summary>
    /// A page of a list read with one row more than <paramref name="limit"/>: the rows it keeps, and the cursor of the next
    /// page (the last kept row's <paramref name="key"/>) when that extra row was there.
    /// </summary>
    public static (List<T> Page, string? Next) Cut<T>(IReadOnlyList<T> rows, int limit, Func<T, string[]> key)
    {
        var page = rows.Take(limit).ToList();
        return (page, rows.Count > limit ? Of(key(page[^1])) : null);
    }

    /// <summary>The key a cursor carries; a 400 naming the field when it is not one this server wrote.</summary>
    public static string Key(string cursor)
    {
        try
        {
            var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Base64Url.DecodeFromChars(cursor));
            return text.StartsWith(Mark, StringComparison.Ordinal) ? text[Mark.Length..] : throw BadRequestException.ForeignCursor();
        }
        catch (Exception invalid) when (invalid is FormatException or DecoderFallbackException)
        {
            throw BadRequestException.ForeignCursor();
        }
    }

    /// <summary>The <paramref name="count"/> parts of the key a cursor carries, or null without a cursor.</summary>
    public static string[]? Parts(string? cursor, int count)
    {
        if (cursor is null)
        {
            return null;
        }

        var parts = Key(cursor).Split(Separator);
        return parts.Length == count ? parts : throw BadRequestException.ForeignCursor();
    }
}
