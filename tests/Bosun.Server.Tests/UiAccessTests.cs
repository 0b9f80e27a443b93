using System.Security.Claims;
using Bosun.Contracts.Security;
using Bosun.Server.Orchestration.Security;
using Bosun.Testing;
using Bosun.Ui;
using Bosun.Ui.Backend;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Tests;

/// <summary>
/// The check every web UI action handler makes before calling a service (UiAccess): each role may do in the UI what its
/// API permission allows, re-read from the store at every action, so a revoked key is refused at once.
/// </summary>
public sealed class UiAccessTests
{
    private sealed class FixedAuthentication(ClaimsPrincipal user) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(user));
    }

    private static readonly ClaimsPrincipal Nobody = new(new ClaimsIdentity());

    [Fact]
    public async Task AuthOff_AnonymousTab_MayDoEverythingAndSeesNoSignIn()
    {
        await using var server = await TestServer.StartAsync();
        var access = new UiAccess(new FixedAuthentication(Nobody), Backend(server), TimeProvider.System);

        Assert.Same(UiUser.Anonymous, await access.CheckAsync(fresh: false, default));
        Assert.False(access.SignInRequired);
        foreach (var permission in new[] { UiPermission.Read, UiPermission.Deploy, UiPermission.Admin })
        {
            Assert.True(access.Can(permission));
            Assert.Null(await access.RefusalAsync(permission, "do it", "UpdateWorkPool", default));
        }
    }

    [Theory]
    [InlineData(ApiKeyRole.Viewer, false, false)]
    [InlineData(ApiKeyRole.Worker, false, false)]
    [InlineData(ApiKeyRole.Developer, true, false)]
    [InlineData(ApiKeyRole.Admin, true, true)]
    public async Task EachRole_RunsAndPoolAdministration_AllowedOrRefusedWithAReason(ApiKeyRole role, bool runs, bool pools)
    {
        await using var server = await TestServer.StartAsync();
        var security = Security(server);
        await security.CreateKeyAsync(new ApiKeyCreate("first-admin", ApiKeyRole.Admin), default);
        var access = await SignedInAsync(server, "someone", role);

        Assert.Null(await access.RefusalAsync(UiPermission.Read, "read", "ListFlowRuns", default));
        Assert.True(access.SignInRequired);
        Assert.Equal(runs, access.Can(UiPermission.Deploy));
        Assert.Equal(pools, access.Can(UiPermission.Admin));
        var runRefusal = await access.RefusalAsync(UiPermission.Deploy, "cancel a run", "CancelFlowRun", default);
        var poolRefusal = await access.RefusalAsync(UiPermission.Admin, "pause a work pool", "PauseWorkPool", default);
        var name = role.ToString().ToLowerInvariant();
        Assert.Equal(runs ? null : $"Not allowed: only a developer or admin key can cancel a run; you are signed in as 'someone', a {name} key.", runRefusal);
        Assert.Equal(pools ? null : $"Not allowed: only an admin key can pause a work pool; you are signed in as 'someone', a {name} key.", poolRefusal);
    }

    [Fact]
    public async Task RevokedKey_NextActionRefusedAndSessionEndedOnce()
    {
        await using var server = await TestServer.StartAsync();
        var security = Security(server);
        // Another key stays, so authentication stays on (with no working key left, the UI would be open again).
        await security.CreateKeyAsync(new ApiKeyCreate("first-admin", ApiKeyRole.Admin), default);
        var (access, keyId) = await SignedInWithIdAsync(server, "dev", ApiKeyRole.Developer);
        var ended = 0;
        access.SessionEnded += () => ended++;
        Assert.Null(await access.RefusalAsync(UiPermission.Deploy, "start runs", "CreateFlowRun", default));

        await security.RevokeKeyAsync(keyId, default);
        // Still within the refresh loops' 5 s: a cached check would say yes; an action always reads the store again.
        Assert.True(access.Can(UiPermission.Deploy));
        Assert.StartsWith("Not done: your session has ended", await access.RefusalAsync(UiPermission.Deploy, "start runs", "CreateFlowRun", default), StringComparison.Ordinal);
        Assert.False(access.Can(UiPermission.Read));
        Assert.Null(await access.CheckAsync(fresh: true, default));
        Assert.Equal(1, ended);
    }

    [Fact]
    public async Task AuthSwitchedOnUnderAnAnonymousTab_SessionEnded()
    {
        await using var server = await TestServer.StartAsync();
        var security = Security(server);
        var access = new UiAccess(new FixedAuthentication(Nobody), Backend(server), TimeProvider.System);
        var ended = false;
        access.SessionEnded += () => ended = true;
        Assert.Null(await access.RefusalAsync(UiPermission.Admin, "create work pools", "CreateWorkPool", default));

        await security.CreateKeyAsync(new ApiKeyCreate("admin", ApiKeyRole.Admin), default);
        Assert.NotNull(await access.RefusalAsync(UiPermission.Admin, "create work pools", "CreateWorkPool", default));
        Assert.True(ended);
        Assert.True(access.SignInRequired);
    }

    [Fact]
    public async Task OpeningAPage_WritesNoAuditEntry_ARefusedActionDoes()
    {
        await using var server = await TestServer.StartAsync();
        var root = await Security(server).CreateKeyAsync(new ApiKeyCreate("first-admin", ApiKeyRole.Admin), default);
        using var admin = server.NewClient(root.Key);
        var access = await SignedInAsync(server, "looker", ApiKeyRole.Viewer, changes: true);
        var changes = server.Server.Services.GetRequiredService<IUiChangeLog>();

        // What a form page does as it opens (NewWorkPoolPage, DeploymentRunPage, ...): it says why there is no form.
        string? shown = null;
        await changes.RunAsync(() => access.Caller, () => "/work-pools/new", async () => shown = await access.ViewRefusalAsync(UiPermission.Admin, "create work pools", default));
        Assert.Equal("Not allowed: only an admin key can create work pools; you are signed in as 'looker', a viewer key.", shown);
        Assert.Equal(["SignIn"], (await admin.ListAuditEntriesAsync(TimeSpan.FromHours(1), "looker")).Items.Select(entry => entry.Action));

        // An action's handler asking the same is an attempted change: refused and recorded.
        string? refused = null;
        await changes.RunAsync(() => access.Caller, () => "/work-pools/new", async () => refused = await access.RefusalAsync(UiPermission.Admin, "create work pools", "CreateWorkPool", default));
        Assert.Equal(shown, refused);
        var entry = Assert.Single((await admin.ListAuditEntriesAsync(TimeSpan.FromHours(1), "looker")).Items, e => e.Action != "SignIn");
        Assert.Equal(("CreateWorkPool", 403), (entry.Action, entry.Status));
    }

    [Fact]
    public async Task OperationNameNoApiRouteHas_FailsLoudlyOnUse()
    {
        await using var server = await TestServer.StartAsync();
        var changes = server.Server.Services.GetRequiredService<IUiChangeLog>();
        var access = new UiAccess(new FixedAuthentication(Nobody), Backend(server), TimeProvider.System, changes);

        // Allowed or not, the name is checked: here everyone may act (authentication off), and the misspelt name still fails.
        var refusal = await Assert.ThrowsAsync<InvalidOperationException>(() => access.RefusalAsync(UiPermission.Admin, "pause a queue", "SetWorkQueueLimit", default));
        Assert.Contains("'SetWorkQueueLimit'", refusal.Message, StringComparison.Ordinal);
        Assert.Null(await access.RefusalAsync(UiPermission.Admin, "pause a queue", "PauseWorkQueue", default));
        // A backend naming its change does the same.
        var described = await Assert.ThrowsAsync<InvalidOperationException>(() => changes.RunAsync(() => UiUser.Anonymous, () => "/",
            () =>
            {
                Bosun.Server.Ui.UiChangeLog.Describe("PauseTheQueue", "pool=p");
                return Task.CompletedTask;
            }));
        Assert.Contains("'PauseTheQueue'", described.Message, StringComparison.Ordinal);
    }

    private static SecurityService Security(TestServer server) => server.Server.Services.GetRequiredService<SecurityService>();

    /// <summary>The server's side of the UI's access checks (the one the UI's pages get).</summary>
    private static IAccessBackend Backend(TestServer server) => server.Server.Services.GetRequiredService<IAccessBackend>();

    private static async Task<UiAccess> SignedInAsync(TestServer server, string name, ApiKeyRole role, bool changes = false) =>
        (await SignedInWithIdAsync(server, name, role, changes)).Access;

    private static async Task<(UiAccess Access, Guid KeyId)> SignedInWithIdAsync(TestServer server, string name, ApiKeyRole role, bool changes = false)
    {
        var created = await Security(server).CreateKeyAsync(new ApiKeyCreate(name, role), default);
        var user = await Backend(server).AuthenticateKeyAsync(created.Key, default);
        Assert.NotNull(user);
        Assert.Equal(created.ApiKey.Id, user.KeyId);
        var sessionId = await Backend(server).StartSessionAsync(user, default);
        return (new UiAccess(new FixedAuthentication(UiSessions.Principal(sessionId, created.ApiKey.Id, user)), Backend(server), TimeProvider.System,
            changes ? server.Server.Services.GetRequiredService<IUiChangeLog>() : null), created.ApiKey.Id);
    }
}
