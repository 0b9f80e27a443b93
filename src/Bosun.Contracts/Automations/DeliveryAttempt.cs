namespace Bosun.Contracts.Automations;

/// <summary>One try of a delivery.</summary>
/// <param name="Attempt">1 for the first.</param>
/// <param name="Started">When it started.</param>
/// <param name="DurationMs">How long it took.</param>
/// <param name="StatusCode">The HTTP status a webhook answered; null for none (timeout, refused connection) or an action that is not HTTP.</param>
/// <param name="Error">What went wrong; null on success.</param>
public sealed record DeliveryAttempt(int Attempt, DateTimeOffset Started, long DurationMs, int? StatusCode, string? Error);
