using System.Globalization;
using Bosun.Server.Domain;

namespace Bosun.Server.Storage;

/// <summary>
/// The position of a run in the list order (expected start descending, then id), as the opaque cursor of
/// <see cref="Contracts.Page{T}.NextCursor"/>: the next page is the runs after it, found through the list indexes
/// whatever the depth, where an OFFSET reads and drops every row before the page.
/// </summary>
internal sealed record RunCursor(long ExpectedStart, Guid Id)
{
    public static string Of(long expectedStart, Guid id) =>
        string.Create(CultureInfo.InvariantCulture, $"{expectedStart}_{id:N}");

    /// <summary>The position a cursor names; a 400 naming the field when it is not one this server wrote.</summary>
    public static RunCursor Parse(string cursor)
    {
        var separator = cursor.IndexOf('_', StringComparison.Ordinal);
        return separator > 0
            && long.TryParse(cursor.AsSpan(0, separator), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var expectedStart)
            && Guid.TryParseExact(cursor.AsSpan(separator + 1), "N", out var id)
            ? new RunCursor(expectedStart, id)
            : throw BadRequestException.ForeignCursor();
    }
}
