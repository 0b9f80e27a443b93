namespace Bosun.Server.Domain;

/// <summary>
/// A request the server refuses, for a reason a person can act on. Storage and orchestration throw these; the API turns
/// each kind into its HTTP status in one place (ApiExceptionHandler), and the web UI shows them as they are.
/// </summary>
internal abstract class DomainException(string message) : Exception(message)
{
    /// <summary>The kind of problem in a few words (the ProblemDetails title).</summary>
    public abstract string Title { get; }

    /// <summary>The messages by input field, when the request had fields to blame; null otherwise.</summary>
    public virtual IReadOnlyDictionary<string, string[]>? Errors => null;
}
