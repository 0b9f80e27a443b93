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

    /// <summary>Why a pool-scoped key is refused <paramref name="target"/> (a pool, a run or task run of another pool, served runs).</summary>
    public string NotServing(string target) => $"The key '{Name}' serves the work pools {string.Join(", ", Pools ?? [])} only; {target} is not on one of them.";

    /// <summary>A flow run as <see cref="NotServing"/> names it: its id and its pool (none: served).</summary>
    public static string RunTarget(Guid runId, string? pool) => $"flow run {runId} (work pool '{pool ?? "none: served"}')";

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
