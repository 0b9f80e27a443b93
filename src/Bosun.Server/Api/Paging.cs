using Bosun.Server.Domain;

namespace Bosun.Server.Api;

/// <summary>Offset/limit checks shared by every listing.</summary>
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
}
