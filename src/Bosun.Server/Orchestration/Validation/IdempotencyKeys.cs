using Bosun.Server.Domain;

namespace Bosun.Server.Orchestration.Validation;

/// <summary>The Idempotency-Key header a log batch, a claim or a create may carry: the same rule for all.</summary>
internal static class IdempotencyKeys
{
    public const int MaxLength = 200;

    /// <summary>What the descriptions of the creates other than a run's say about their Idempotency-Key header.</summary>
    public const string CreateDescription =
        "A create sent again with the same Idempotency-Key header (1 to 200 characters) is answered with what its first attempt made (200), and makes nothing else: a client that lost an answer may send the request again. 409 for a key another request used.";

    /// <summary>A 422 naming the header for a key that is empty or longer than <see cref="MaxLength"/>; none is fine.</summary>
    public static void Check(string? key)
    {
        if (key is { Length: 0 or > MaxLength })
        {
            throw new ValidationException("Idempotency-Key", [$"must be 1 to {MaxLength} characters"]);
        }
    }
}
