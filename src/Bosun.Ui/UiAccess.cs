using Microsoft.AspNetCore.Components;
using Bosun.Contracts.Security;
using Bosun.Ui.Backend;
using Microsoft.AspNetCore.Components.Authorization;

namespace Bosun.Ui;

/// <summary>
/// Who uses this circuit (one browser tab) and what the role lets them do. Pages show only the controls <see cref="Can"/>
/// allows, and every action handler asks <see cref="RefusalAsync(UiPermission, string, string, CancellationToken)"/> first, which reads the key from the store again: a
/// hidden button is not security. With authentication off, everyone may do everything, as the API allows.
/// </summary>
internal sealed class UiAccess(
    AuthenticationStateProvider authentication, IAccessBackend backend, TimeProvider clock, IUiChangeLog? changes = null, NavigationManager? navigation = null)
{
    /// <summary>How long a check is reused by the pages' refresh loops; actions always check afresh.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(5);

    private DateTimeOffset _checked = DateTimeOffset.MinValue;
    private bool _ended;

    /// <summary>The user, as last checked: null before the first check, and once the session no longer works.</summary>
    public UiUser? Caller { get; private set; }

    /// <summary>True when the server requires sign-in: the header then shows who is signed in, and a sign-out button.</summary>
    public bool SignInRequired { get; private set; }

    /// <summary>Raised once when the session stops working (key revoked or expired, or auth switched on under an anonymous tab).</summary>
    public event Action? SessionEnded;

    public bool Can(UiPermission permission) => Caller?.Has(permission) == true;

    /// <summary>The user now: from the last check if it is recent enough, unless <paramref name="fresh"/>.</summary>
    public async Task<UiUser?> CheckAsync(bool fresh, CancellationToken cancellationToken)
    {
        if (!fresh && Caller is not null && clock.GetUtcNow() - _checked < Freshness)
        {
            return Caller;
        }

        SignInRequired = await backend.AuthEnabledAsync(cancellationToken);
        UiUser? caller = null;
        if (!SignInRequired)
        {
            caller = UiUser.Anonymous;
        }
        else if (UiSessions.SessionId((await authentication.GetAuthenticationStateAsync()).User) is { } sessionId)
        {
            caller = await backend.FindWorkingSessionAsync(sessionId, cancellationToken);
        }

        (Caller, _checked) = (caller, clock.GetUtcNow());
        if (caller is null && !_ended)
        {
            _ended = true;
            SessionEnded?.Invoke();
        }

        return caller;
    }

    /// <summary>
    /// Null when the user may do <paramref name="action"/> now; otherwise why not, to show on the page. A refusal is
    /// recorded in the audit log as <paramref name="operation"/>, the name of the API route that does the same (e.g.
    /// <c>PauseDeployment</c>), as the API records its 403 and as the action is recorded when it is done.
    /// </summary>
    public async Task<string?> RefusalAsync(UiPermission needed, string action, string operation, CancellationToken cancellationToken)
    {
        // Whether or not it is refused this time: a name no API route has would put an entry under it one day.
        changes?.CheckOperation(operation);
        var caller = await CheckAsync(fresh: true, cancellationToken);
        if (caller is null)
        {
            return $"Not done: your session has ended (the key was revoked or has expired, or the session was signed out or revoked), so you cannot {action}. Sign in again.";
        }

        if (caller.Has(needed))
        {
            return null;
        }

        // Refused like the API's 403: recorded in the audit log, with who tried what.
        if (changes is not null)
        {
            await changes.RecordRefusalAsync(caller, UiActionScope.PageOf(navigation), action, operation, cancellationToken);
        }

        return $"Not allowed: only {RolesFor(needed)} can {action}; you are signed in as '{caller.Name}', a {caller.RoleName} key.";
    }

    /// <summary>
    /// What a page shows instead of its form when the user may not use it (null when they may): for a page being
    /// opened, not an action. Nothing is audited: looking at a page is no change, and only an attempted change refused
    /// (<see cref="RefusalAsync(UiPermission, string, string, CancellationToken)"/>, from an action's handler) is recorded.
    /// </summary>
    public async Task<string?> ViewRefusalAsync(UiPermission needed, string action, CancellationToken cancellationToken)
    {
        var caller = await CheckAsync(fresh: true, cancellationToken);
        if (caller is null)
        {
            return $"Your session has ended (the key was revoked or has expired, or the session was signed out or revoked), so you cannot {action}. Sign in again.";
        }

        return caller.Has(needed) ? null : $"Not allowed: only {RolesFor(needed)} can {action}; you are signed in as '{caller.Name}', a {caller.RoleName} key.";
    }

    /// <summary>"a developer or admin key" for Deploy, and so on.</summary>
    public string RolesFor(UiPermission permission)
    {
        var roles = Enum.GetValues<ApiKeyRole>().Where(role => (backend.PermissionsOf(role) & permission) == permission)
            .Select(role => role.ToString().ToLowerInvariant()).ToList();
        return roles.Count == 0 ? "a role no key has" : $"a{(roles[0][0] is 'a' ? "n" : "")} {string.Join(" or ", roles)} key";
    }
}
