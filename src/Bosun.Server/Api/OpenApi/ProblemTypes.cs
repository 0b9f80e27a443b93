namespace Bosun.Server.Api.OpenApi;

/// <summary>
/// The kinds of error the API answers, each with a stable <c>type</c> URI (RFC 9457) that clients may switch on: the
/// status alone cannot say which kind a 4xx is once two kinds share one. The list is in docs/api.md, checked by a test.
/// </summary>
internal static class ProblemTypes
{
    /// <summary>The prefix of every type URI: a URN, so it names the kind without promising a web page at that address.</summary>
    public const string Prefix = "urn:bosun:problem:";

    /// <summary>Every kind by status: its name (the end of the type URI) and what it means, as the document's responses say it.</summary>
    public static IReadOnlyDictionary<int, (string Name, string Meaning)> ByStatus { get; } = new Dictionary<int, (string, string)>
    {
        [StatusCodes.Status400BadRequest] = ("bad-request", "The request is malformed: JSON that does not parse, a body of the wrong shape, or a query value of the wrong type."),
        [StatusCodes.Status401Unauthorized] = ("unauthorized", "No API key was sent, or the key is unknown, revoked or expired."),
        [StatusCodes.Status403Forbidden] = ("forbidden", "The key's role (or the run token's scope) does not cover this operation."),
        [StatusCodes.Status404NotFound] = ("not-found", "The resource named in the path (or the route itself) does not exist."),
        [StatusCodes.Status405MethodNotAllowed] = ("method-not-allowed", "The path exists but not with this method."),
        [StatusCodes.Status409Conflict] = ("conflict", "The request clashes with what is stored: a name that is taken, runs still in flight, a state that does not allow it."),
        [StatusCodes.Status413PayloadTooLarge] = ("payload-too-large", "The request body is larger than the server accepts."),
        [StatusCodes.Status415UnsupportedMediaType] = ("unsupported-media-type", "The body is not sent as application/json."),
        [StatusCodes.Status422UnprocessableEntity] = ("validation", "A value is not acceptable; 'errors' names each field and what is wrong with it."),
        [StatusCodes.Status429TooManyRequests] = ("too-many-requests", "Too many failed authentications from this address; the Retry-After header says when to try again."),
        [499] = ("client-closed-request", "The client went away before the answer was ready (logged only; no client reads it)."),
        [StatusCodes.Status500InternalServerError] = ("internal", "The server failed; the error is in its log."),
        [StatusCodes.Status503ServiceUnavailable] = ("unavailable", "The server cannot reach its database; nothing was changed. Retry shortly."),
    };

    /// <summary>The type URI of a status; <c>about:blank</c> (RFC 9457's "no further meaning") for a status with no kind of its own.</summary>
    public static string Of(int status) => ByStatus.TryGetValue(status, out var kind) ? Prefix + kind.Name : "about:blank";
}
