using System.Text.Json.Serialization;

namespace Bosun.Contracts.ConcurrencyLimits;

/// <summary>Creates a tag concurrency limit, or changes the limit of the tag's existing one.</summary>
/// <param name="Tag">The task tag (1 to 100 characters).</param>
/// <param name="Limit">Most task runs with the tag running at once, 0 to 100,000.</param>
public sealed record ConcurrencyLimitCreate(string Tag, [property: JsonRequired] int Limit);
