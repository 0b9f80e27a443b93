namespace Bosun.Contracts.Security;

/// <summary>A new API key: <paramref name="Key"/> is shown this once and never stored.</summary>
/// <param name="ApiKey">The key's record.</param>
/// <param name="Key">The secret key to give to a client (BOSUN_API_KEY).</param>
public sealed record ApiKeyCreated(ApiKey ApiKey, string Key);
