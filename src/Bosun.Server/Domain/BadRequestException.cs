namespace Bosun.Server.Domain;

/// <summary>
/// The request is malformed in a way no field validation describes, e.g. a paging cursor this server never gave out
/// (HTTP 400); the messages name the field.
/// </summary>
internal sealed class BadRequestException(string field, string message) : DomainException($"{field}: {message}")
{
    public override string Title => "Bad request";

    /// <summary>A cursor that no page of this server gave out (made up, cut short, or from another list).</summary>
    public static BadRequestException ForeignCursor() =>
        new("cursor", "is not a cursor this server gave out: pass a page's next_cursor unchanged");

    public override IReadOnlyDictionary<string, string[]>? Errors { get; } = new Dictionary<string, string[]> { [field] = [message] };
}
