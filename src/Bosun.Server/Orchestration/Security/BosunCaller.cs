using Bosun.Contracts.Security;

namespace Bosun.Server.Orchestration.Security;

/// <summary>
/// Who is calling: an API key's role (and the key's id, which a web UI session keeps instead of the key), or a run token
/// scoped to one run (and its deployment).
/// </summary>
internal sealed record BosunCaller(string Name, ApiKeyRole? Role, Guid? RunId = null, Guid? DeploymentId = null, Guid? KeyId = null)
{
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
