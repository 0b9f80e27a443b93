using System.Net;
using Bosun.Contracts.Security;

namespace Bosun.Ui.Backend;

/// <summary>Sign-in and the checks behind every page and action: is authentication on, and does a key still work.</summary>
public interface IAccessBackend
{
    /// <summary>True once the server requires API keys (the first key was created).</summary>
    Task<bool> AuthEnabledAsync(CancellationToken cancellationToken);

    /// <summary>The user a pasted API key belongs to, or null when it is unknown, revoked, expired, or not an API key (a run token).</summary>
    Task<UiUser?> AuthenticateKeyAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Records a sign-in of <paramref name="user"/> (just authenticated by its key) as a session in the store, audited as
    /// <c>SignIn</c>; returns the session's id, which the cookie holds.
    /// </summary>
    Task<Guid> StartSessionAsync(UiUser user, CancellationToken cancellationToken);

    /// <summary>
    /// The user of the session with <paramref name="sessionId"/>, read from the store now; null once the session is
    /// signed out, revoked or expired, or its key is revoked or expired.
    /// </summary>
    Task<UiUser?> FindWorkingSessionAsync(Guid sessionId, CancellationToken cancellationToken);

    /// <summary>Ends the session (a sign-out), audited as <c>SignOut</c>; an unknown or ended session is left as it is.</summary>
    Task EndSessionAsync(Guid sessionId, CancellationToken cancellationToken);

    /// <summary>What keys of <paramref name="role"/> may do in the UI.</summary>
    UiPermission PermissionsOf(ApiKeyRole role);

    /// <summary>True while <paramref name="address"/> has failed to authenticate too often (the API's limit, shared).</summary>
    bool IsBlocked(IPAddress? address, out TimeSpan retryAfter);

    /// <summary>Counts a failed sign-in from <paramref name="address"/>.</summary>
    void RecordFailure(IPAddress? address);
}
