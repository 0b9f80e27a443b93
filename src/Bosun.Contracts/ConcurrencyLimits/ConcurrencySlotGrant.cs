namespace Bosun.Contracts.ConcurrencyLimits;

/// <summary>The answer to a <see cref="ConcurrencySlotRequest"/>.</summary>
/// <param name="Acquired">True when the task run now holds a slot of each of its tags' limits (or none of them is limited).</param>
/// <param name="FullTag">When not acquired: the tag whose limit is reached.</param>
/// <param name="Limit">When not acquired: that tag's limit.</param>
/// <param name="RetryAfterSeconds">When not acquired: how long to wait before asking again.</param>
public sealed record ConcurrencySlotGrant(bool Acquired, string? FullTag = null, int? Limit = null, double? RetryAfterSeconds = null);
