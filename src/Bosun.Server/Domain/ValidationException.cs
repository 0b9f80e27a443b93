namespace Bosun.Server.Domain;

/// <summary>The request's input is not acceptable; the messages name each field and what is wrong with it (HTTP 422).</summary>
internal sealed class ValidationException(string message, IReadOnlyDictionary<string, string[]>? errors = null) : DomainException(message)
{
    /// <summary>One field and what is wrong with it.</summary>
    public ValidationException(string field, IReadOnlyList<string> messages)
        : this($"{field}: {string.Join("; ", messages)}", new Dictionary<string, string[]> { [field] = messages.ToArray() })
    {
    }

    public override string Title => "Validation failed";

    public override IReadOnlyDictionary<string, string[]>? Errors { get; } = errors;
}
