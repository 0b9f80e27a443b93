using Bosun.Contracts.Security;

namespace Bosun.Server.Orchestration.Security;

/// <summary>
/// Who is calling: an API key's role (and the key's id, which a web UI session keeps instead of the key), or a run token
/// scoped to one run (and its deployment). <see cref="Pools"/> are the pools a worker key serves (null: every pool).
/// </summary>
internal sealed record BosunCaller(string Name, ApiKeyRole? Role, Guid? RunId = null, Guid? DeploymentId = null, Guid? KeyId = null, IReadOnlyList<string>? Pools = null)
{
    /// <summary>Whether this caller may act on the pool named <paramref name="pool"/> (a run's pool; null for a served run).</summary>
    public bool Serves(string? pool) => Pools is null || (pool is not null && Pools.Contains(pool, StringComparer.Ordinal));

    /// <summary>Everyone, when the server runs without authentication (loopback, no keys).</summary>
    public static BosunCaller Anonymous { get; } = new("anonymous", ApiKeyRole.Admin);

    public bool IsRunToken => RunId is not null;

    public bool Has(Permission permission) => permission switch
    {
        Permission.Anonymous => true,
        _ when IsRunToken => permission is Permission.Read or Permission.RunReport,
        Permission.Read => Role is not null,
        Permission.Deploy => Role is ApiKeyRole.Developer or ApiKeyRole.Admin,
        Permission.Work => Role is ApiKeyRole.Worker or ApiKeyRole.Admin,
        Permission.RunReport => Role is ApiKeyRole.Worker or ApiKeyRole.Developer or ApiKeyRole.Admin,
        Permission.Admin => Role is ApiKeyRole.Admin,
        _ => false,
    };
}
