namespace Bosun.Ui.Backend;

/// <summary>
/// A request the server refused, for a reason a person can act on: what the API would answer as ProblemDetails (its
/// title, message and the messages by input field). The backends throw it; pages show it as it is.
/// </summary>
public sealed class BackendProblemException : Exception
{
    /// <summary>A refusal with its title, message and, when the request had fields to blame, the messages by field.</summary>
    public BackendProblemException(string title, string message, IReadOnlyDictionary<string, string[]>? errors, Exception? innerException = null)
        : base(message, innerException)
    {
        Title = title;
        Errors = errors;
    }

    /// <summary>The kind of problem in a few words, e.g. "Validation failed".</summary>
    public string Title { get; }

    /// <summary>The messages by input field, or null.</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; }
}
