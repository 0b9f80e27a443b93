namespace Bosun.Contracts;

/// <summary>The server's health.</summary>
/// <param name="Status">"ok".</param>
/// <param name="Version">Server version.</param>
/// <param name="Store">The store kind: sqlite or postgresql.</param>
/// <param name="SchemaVersion">The applied migration number.</param>
/// <param name="Leader">Whether this replica runs the scheduler, late-run and zombie services (always true on SQLite).</param>
public sealed record HealthResponse(string Status, string Version, string Store, int SchemaVersion, bool Leader = true);
