namespace Bosun.Contracts.WorkPools;

/// <summary>Sets (or, with null, clears) a concurrency limit.</summary>
/// <param name="ConcurrencyLimit">The limit (0 delivers nothing), or null for no limit.</param>
public sealed record ConcurrencyLimitUpdate(int? ConcurrencyLimit);
