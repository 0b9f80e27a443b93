using Bosun.Contracts.Security;
using Bosun.Server.Orchestration.Security;
using Microsoft.AspNetCore.Components.Authorization;

namespace Bosun.Server.Ui;

/// <summary>
/// Who uses this circuit (one browser tab) and what the role lets them do. Pages show only the controls <see cref="Can"/>
/// allows, and every action handler asks <see cref="RefusalAsync"/> first, which reads the key from the store again: a
/// hidden button is not security. With authentication off, everyone may do everything, as the API allows.
/// </summary>
internal sealed class UiAccess(AuthenticationStateProvider authentication, SecurityService security, TimeProvider clock)
{
    /// <summary>How long a check is reused by the pages' refresh loops; actions always check afresh.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(5);

    private DateTimeOffset _checked = DateTimeOffset.MinValue;
    private bool _ended;

    /// <summary>The caller, as last checked: null before the first check, and once the session no longer works.</summary>
    public BosunCaller? Caller { get; private set; }

    /// <summary>True when the server requires sign-in: the header then shows who is signed in, and a sign-out button.</summary>
    public bool SignInRequired { get; private set; }

    /// <summary>Raised once when the session stops working (key revoked or expired, or auth switched on under an anonymous tab).</summary>
    public event Action? SessionEnded;

    public bool Can(Permission permission) => Caller?.Has(permission) == true;

    /// <summary>The caller now: from the last check if it is recent enough, unless <paramref name="fresh"/>.</summary>
    public async Task<BosunCaller?> CheckAsync(bool fresh = false, CancellationToken cancellationToken = default)
    {
        if (!fresh && Caller is not null && clock.GetUtcNow() - _checked < Freshness)
        {
            return Caller;
        }

        SignInRequired = await security.AuthEnabledAsync(cancellationToken);
        BosunCaller? caller = null;
        if (!SignInRequired)
        {
            caller = BosunCaller.Anonymous;
        }
        else if (UiSessions.KeyId((await authentication.GetAuthenticationStateAsync()).User) is { } keyId)
        {
            caller = await security.FindWorkingKeyAsync(keyId, cancellationToken);
        }

        (Caller, _checked) = (caller, clock.GetUtcNow());
        if (caller is null && !_ended)
        {
            _ended = true;
            SessionEnded?.Invoke();
        }

        return caller;
    }

    /// <summary>Null when the caller may do <paramref name="action"/> now; otherwise why not, to show on the page.</summary>
    public async Task<string?> RefusalAsync(Permission needed, string action, CancellationToken cancellationToken = default)
    {
        var caller = await CheckAsync(fresh: true, cancellationToken);
        if (caller is null)
        {
            return $"Not done: your session has ended (the key was revoked or has expired), so you cannot {action}. Sign in again.";
        }

        return caller.Has(needed)
            ? null
            : $"Not allowed: only {RolesFor(needed)} can {action}; you are signed in as '{caller.Name}', a {UiSessions.RoleName(caller)} key.";
    }

    /// <summary>"a developer or admin key" for Deploy, and so on.</summary>
    public static string RolesFor(Permission permission)
    {
        var roles = Enum.GetValues<ApiKeyRole>().Where(role => new BosunCaller("", role).Has(permission)).Select(role => role.ToString().ToLowerInvariant()).ToList();
        return roles.Count == 0 ? "a role no key has" : $"a{(roles[0][0] is 'a' ? "n" : "")} {string.Join(" or ", roles)} key";
    }
}
