using System.Net;

namespace Bosun.Client;

/// <summary>The API answered with an error (a ProblemDetails body); <see cref="Exception.Message"/> says what to fix.</summary>
public sealed class BosunApiException : Exception
{
    /// <summary>Creates the exception from a response's status and problem details.</summary>
    public BosunApiException(HttpStatusCode statusCode, string? title, string? detail, IReadOnlyDictionary<string, string[]>? errors = null)
        : base(detail ?? title ?? $"The Bosun API answered {(int)statusCode} {statusCode}.")
    {
        StatusCode = statusCode;
        Title = title;
        Detail = detail;
        Errors = errors ?? new Dictionary<string, string[]>();
    }

    /// <summary>Creates an exception with a message.</summary>
    public BosunApiException() : this(HttpStatusCode.InternalServerError, null, null)
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public BosunApiException(string message) : this(HttpStatusCode.InternalServerError, null, message)
    {
    }

    /// <summary>Creates an exception with a message and cause.</summary>
    public BosunApiException(string message, Exception innerException) : base(message, innerException)
    {
        Errors = new Dictionary<string, string[]>();
    }

    /// <summary>The HTTP status.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The problem's title.</summary>
    public string? Title { get; }

    /// <summary>The problem's detail: what is wrong and what to do.</summary>
    public string? Detail { get; }

    /// <summary>Field-level errors, when the server listed them.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }
}
