namespace Bosun.Contracts.Security;

/// <summary>A token scoped to one flow run, for its flow-run process (never the worker's own key).</summary>
/// <param name="Token">The token, or null when the server runs without authentication.</param>
/// <param name="Expires">When it stops working.</param>
public sealed record RunToken(string? Token, DateTimeOffset? Expires);
