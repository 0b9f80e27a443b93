using Bosun.Contracts.Security;

namespace Bosun.Ui.Backend;

/// <summary>Who uses the UI: an API key's name, role and id (a session keeps the id, never the key), and what the role allows.</summary>
/// <param name="Name">The key's name.</param>
/// <param name="Role">The key's role.</param>
/// <param name="KeyId">The key's id; null for <see cref="Anonymous"/>.</param>
/// <param name="Permissions">What the role allows in the UI.</param>
public sealed record UiUser(string Name, ApiKeyRole? Role, Guid? KeyId, UiPermission Permissions)
{
    /// <summary>Everyone, on a server that runs without authentication: the API lets them do everything too.</summary>
    public static UiUser Anonymous { get; } = new("anonymous", ApiKeyRole.Admin, null, UiPermission.Read | UiPermission.Deploy | UiPermission.Admin);

    /// <summary>True when the role allows <paramref name="permission"/>.</summary>
    public bool Has(UiPermission permission) => permission != UiPermission.None && (Permissions & permission) == permission;

    /// <summary>"viewer", "developer", ...; "none" without a role.</summary>
    public string RoleName => Role?.ToString().ToLowerInvariant() ?? "none";
}
