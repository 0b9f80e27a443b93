namespace Bosun.Contracts.Security;

/// <summary>An API key as listed: never the key itself, which is shown once, at creation.</summary>
/// <param name="Id">Server id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Role">What it may do.</param>
/// <param name="Prefix">The key's first characters, to recognise it.</param>
/// <param name="Revoked">Revoked keys are refused.</param>
/// <param name="Expires">When it stops working, if ever.</param>
/// <param name="LastUsed">When it was last used.</param>
/// <param name="Created">Creation time.</param>
public sealed record ApiKey(Guid Id, string Name, ApiKeyRole Role, string Prefix, bool Revoked, DateTimeOffset? Expires, DateTimeOffset? LastUsed, DateTimeOffset Created)
{
    /// <summary>A worker key's pools: it may claim, heartbeat and report runs only there. Null for every pool.</summary>
    public IReadOnlyList<string>? Pools { get; init; }
}
