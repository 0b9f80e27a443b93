using System.Net;
using Bosun.Contracts.Security;
using Bosun.Server.Orchestration.Security;
using Bosun.Ui.Backend;

namespace Bosun.Server.Ui;

/// <summary>Sign-in and session checks for the UI, by the same keys, roles and failure limit as the API.</summary>
internal sealed class AccessBackend(SecurityService security, AuthFailureLimiter limiter, Orchestration.Audit.AuditLog audit) : IAccessBackend
{
    public Task<bool> AuthEnabledAsync(CancellationToken cancellationToken) => security.AuthEnabledAsync(cancellationToken);

    public async Task<UiUser?> AuthenticateKeyAsync(string key, CancellationToken cancellationToken) =>
        // A run token belongs to one flow-run process; it never opens the web UI.
        key.StartsWith(RunTokens.Prefix, StringComparison.Ordinal)
            ? null
            : User(await Storage.AuditedChange.OutsideAsync(() => security.AuthenticateAsync(key, cancellationToken)));

    public Task<Guid> StartSessionAsync(UiUser user, CancellationToken cancellationToken) =>
        Storage.AuditedChange.OutsideAsync(() => security.StartSessionAsync(Caller(user),
            sessionId => audit.NewEntry(Caller(user), "SignIn", "POST /signin", StatusCodes.Status200OK, $"session={sessionId}"), cancellationToken));

    public async Task<UiUser?> FindWorkingSessionAsync(Guid sessionId, CancellationToken cancellationToken) =>
        // Outside the UI action's audit entry: noting the session's and key's last use is no change of the user's.
        User(await Storage.AuditedChange.OutsideAsync(() => security.FindWorkingSessionAsync(sessionId, cancellationToken)));

    public async Task EndSessionAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var user = await FindWorkingSessionAsync(sessionId, cancellationToken);
        if (user is null)
        {
            return; // ended already (or never was): nothing to sign out of
        }

        await Storage.AuditedChange.OutsideAsync(async () =>
        {
            await new Storage.AuditedChange(() => audit.NewEntry(Caller(user), "SignOut", "POST /signout", StatusCodes.Status200OK, $"session={sessionId}"))
                .RunAsync(() => security.RevokeSessionAsync(sessionId, cancellationToken));
            return 0;
        });
    }

    private static BosunCaller Caller(UiUser user) => new(user.Name, user.Role, KeyId: user.KeyId);

    public UiPermission PermissionsOf(ApiKeyRole role) => PermissionsOf(new BosunCaller("", role));

    public bool IsBlocked(IPAddress? address, out TimeSpan retryAfter) => limiter.IsBlocked(address, out retryAfter);

    public void RecordFailure(IPAddress? address) => limiter.RecordFailure(address);

    private static UiUser? User(BosunCaller? caller) =>
        caller is { KeyId: { } keyId, Role: not null } ? new UiUser(caller.Name, caller.Role, keyId, PermissionsOf(caller)) : null;

    /// <summary>The UI's permissions are the API's: what a key may do through one it may do through the other.</summary>
    private static UiPermission PermissionsOf(BosunCaller caller) =>
        (caller.Has(Permission.Read) ? UiPermission.Read : UiPermission.None)
        | (caller.Has(Permission.Deploy) ? UiPermission.Deploy : UiPermission.None)
        | (caller.Has(Permission.Admin) ? UiPermission.Admin : UiPermission.None);
}
