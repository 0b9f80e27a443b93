namespace Bosun.Server.Api;

/// <summary>A client mistake or a conflict, turned into an RFC 9457 ProblemDetails response by <see cref="ApiExceptionHandler"/>.</summary>
internal sealed class ApiProblemException(int status, string title, string detail, IReadOnlyDictionary<string, string[]>? errors = null)
    : Exception(detail)
{
    public int Status { get; } = status;

    public string Title { get; } = title;

    public IReadOnlyDictionary<string, string[]>? Errors { get; } = errors;

    public static ApiProblemException NotFound(string detail) => new(StatusCodes.Status404NotFound, "Not found", detail);

    public static ApiProblemException Forbidden(string detail) => new(StatusCodes.Status403Forbidden, "Not allowed", detail);

    public static ApiProblemException Conflict(string detail) => new(StatusCodes.Status409Conflict, "Conflict", detail);

    public static ApiProblemException BadRequest(string detail) => new(StatusCodes.Status400BadRequest, "Bad request", detail);

    public static ApiProblemException Invalid(string detail, IReadOnlyDictionary<string, string[]>? errors = null) =>
        new(StatusCodes.Status422UnprocessableEntity, "Validation failed", detail, errors);

    public static ApiProblemException Invalid(string field, IReadOnlyList<string> messages) =>
        Invalid($"{field}: {string.Join("; ", messages)}", new Dictionary<string, string[]> { [field] = messages.ToArray() });
}
