namespace Bosun.Contracts.Security;

/// <summary>
/// Exchanges the one-time bootstrap token a server printed at start (having no admin key) for the first admin API key
/// (<c>POST /api/api_keys/bootstrap</c>); the route closes as soon as an admin key exists.
/// </summary>
/// <param name="Token">The bootstrap token (<c>bosun_bootstrap_...</c>).</param>
/// <param name="Name">The admin key's name.</param>
/// <param name="ExpiresInDays">Days until the key stops working; null for never.</param>
public sealed record ApiKeyBootstrap(string Token, string Name, int? ExpiresInDays = null);
