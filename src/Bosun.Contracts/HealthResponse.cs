namespace Bosun.Contracts;

/// <summary>The server's health.</summary>
/// <param name="Status">"ok".</param>
/// <param name="Version">Server version.</param>
/// <param name="Store">The store kind: sqlite or postgresql.</param>
/// <param name="SchemaVersion">The applied migration number.</param>
public sealed record HealthResponse(string Status, string Version, string Store, int SchemaVersion);
