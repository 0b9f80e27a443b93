using Bosun.Server.Domain;

namespace Bosun.Server.Orchestration.Validation;

/// <summary>The Idempotency-Key header a log batch or a claim may carry: the same rule for both.</summary>
internal static class IdempotencyKeys
{
    public const int MaxLength = 200;

    /// <summary>A 422 naming the header for a key that is empty or longer than <see cref="MaxLength"/>; none is fine.</summary>
    public static void Check(string? key)
    {
        if (key is { Length: 0 or > MaxLength })
        {
            throw new ValidationException("Idempotency-Key", [$"must be 1 to {MaxLength} characters"]);
        }
    }
}
