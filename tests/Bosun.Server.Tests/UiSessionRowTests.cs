using System.Net;
using Bosun.Client;
using Bosun.Contracts.Security;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>
/// Web UI sessions kept as rows in the store (migration 0026): each sign-in is a row, listed to admins, and a session
/// whose key is revoked, which is signed out, or which an admin revokes stops working at the next request, on every
/// replica sharing the store. Sign-in, sign-out and revocation are in the audit log. Driven over HTTP with the cookie,
/// as a browser sends it. Runs on PostgreSQL with BOSUN_TEST_STORE=postgresql; the replica test also on PostgreSQL explicitly.
/// </summary>
public sealed class UiSessionRowTests
{
    [Fact]
    public async Task SignIn_IsARowAdminsList_AndAudited()
    {
        await using var server = await TestServer.StartAsync();
        var (admin, viewer) = await KeysAsync(server);

        var cookie = await UiSignIn.SignInAsync(server.Server.BaseAddress, viewer.Key);

        Assert.Equal(HttpStatusCode.OK, await UiSignIn.OpenAsync(server.Server.BaseAddress, cookie));
        var session = Assert.Single(await admin.ListUiSessionsAsync());
        Assert.Equal((viewer.ApiKey.Id, "viewer", true, (DateTimeOffset?)null), (session.KeyId, session.KeyName, session.Active, session.Revoked));
        Assert.True(session.Expires > session.Created.AddHours(7), "a session lasts 8 hours after its last use");
        var entry = Assert.Single((await admin.ListAuditEntriesAsync(TimeSpan.FromHours(1), "viewer")).Items);
        Assert.Equal(("SignIn", viewer.ApiKey.Id, 200, "POST /signin"), (entry.Action, entry.KeyId, entry.Status, entry.Route));
        Assert.Contains(session.Id.ToString(), entry.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain(viewer.Key, entry.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokedKey_EndsItsSessionAtOnce()
    {
        await using var server = await TestServer.StartAsync();
        var (admin, viewer) = await KeysAsync(server);
        var cookie = await UiSignIn.SignInAsync(server.Server.BaseAddress, viewer.Key);
        Assert.Equal(HttpStatusCode.OK, await UiSignIn.OpenAsync(server.Server.BaseAddress, cookie));

        await admin.RevokeApiKeyAsync(viewer.ApiKey.Id);

        Assert.Equal(HttpStatusCode.Redirect, await UiSignIn.OpenAsync(server.Server.BaseAddress, cookie));
        var session = Assert.Single(await admin.ListUiSessionsAsync());
        Assert.False(session.Active);
        Assert.NotNull(session.Revoked);
    }

    [Fact]
    public async Task SignOut_EndsTheSession_EvenForACopyOfTheCookie()
    {
        await using var server = await TestServer.StartAsync();
        var (admin, viewer) = await KeysAsync(server);
        var cookie = await UiSignIn.SignInAsync(server.Server.BaseAddress, viewer.Key);

        Assert.Equal(HttpStatusCode.Redirect, await UiSignIn.SignOutAsync(server.Server.BaseAddress, cookie));

        // The browser's cookie is gone with the sign-out; a copy of it (another tab's, a stolen one) is refused too.
        Assert.Equal(HttpStatusCode.Redirect, await UiSignIn.OpenAsync(server.Server.BaseAddress, cookie));
        Assert.False(Assert.Single(await admin.ListUiSessionsAsync()).Active);
        var actions = (await admin.ListAuditEntriesAsync(TimeSpan.FromHours(1), "viewer")).Items.Select(entry => (entry.Action, entry.Route)).ToList();
        Assert.Contains(("SignOut", "POST /signout"), actions);
        // The key itself still works: signing in again opens a new session.
        var again = await UiSignIn.SignInAsync(server.Server.BaseAddress, viewer.Key);
        Assert.Equal(HttpStatusCode.OK, await UiSignIn.OpenAsync(server.Server.BaseAddress, again));
    }

    [Fact]
    public Task AdminRevocation_OnOneReplica_EndsTheSessionOnTheOther() => RevokedAcrossReplicasAsync(postgres: null);

    [Fact]
    public async Task AdminRevocation_OnOneReplica_EndsTheSessionOnTheOther_OnPostgreSql()
    {
        if (TestDatabases.PostgresAdmin is null && !TestEnvironment.InCi)
        {
            return; // no PostgreSQL cluster configured outside CI (scripts/ci-setup/10-postgres.sh)
        }

        await RevokedAcrossReplicasAsync(postgres: true);
    }

    [Fact]
    public async Task RevokeUnknownSession_Is404_AndNonAdminsAreRefused()
    {
        await using var server = await TestServer.StartAsync();
        var (admin, viewer) = await KeysAsync(server);
        using var asViewer = server.NewClient(viewer.Key);

        var missing = await Assert.ThrowsAsync<BosunApiException>(() => admin.RevokeUiSessionAsync(Guid.NewGuid()));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var refused = await Assert.ThrowsAsync<BosunApiException>(() => asViewer.ListUiSessionsAsync());
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    private static async Task RevokedAcrossReplicasAsync(bool? postgres)
    {
        await using var first = await TestServer.StartAsync(postgres: postgres);
        var (admin, viewer) = await KeysAsync(first);
        await using var second = await TestServer.StartAsync(directory: first.Directory, postgres: postgres);
        using var adminOnSecond = second.NewClient((await admin.CreateApiKeyAsync(new ApiKeyCreate("admin-2", ApiKeyRole.Admin))).Key);
        var cookie = await UiSignIn.SignInAsync(first.Server.BaseAddress, viewer.Key);
        Assert.Equal(HttpStatusCode.OK, await UiSignIn.OpenAsync(first.Server.BaseAddress, cookie));
        Assert.Equal(HttpStatusCode.OK, await UiSignIn.OpenAsync(second.Server.BaseAddress, cookie));

        // Listed and revoked through the other replica: the first sees it at its next request.
        var session = Assert.Single(await adminOnSecond.ListUiSessionsAsync());
        await adminOnSecond.RevokeUiSessionAsync(session.Id);

        Assert.Equal(HttpStatusCode.Redirect, await UiSignIn.OpenAsync(first.Server.BaseAddress, cookie));
        Assert.Equal(HttpStatusCode.Redirect, await UiSignIn.OpenAsync(second.Server.BaseAddress, cookie));
        var revoked = Assert.Single(await admin.ListUiSessionsAsync());
        Assert.Equal((session.Id, false), (revoked.Id, revoked.Active));
        var entry = Assert.Single((await admin.ListAuditEntriesAsync(TimeSpan.FromHours(1), "admin-2")).Items, e => e.Action == "RevokeUiSession");
        Assert.Equal((204, $"DELETE /api/ui_sessions/{session.Id}"), (entry.Status, entry.Route));
        // The key was not revoked: a new sign-in works.
        Assert.Equal(HttpStatusCode.OK, await UiSignIn.OpenAsync(first.Server.BaseAddress, await UiSignIn.SignInAsync(first.Server.BaseAddress, viewer.Key)));
    }

    private static async Task<(BosunClient Admin, ApiKeyCreated Viewer)> KeysAsync(TestServer server)
    {
        var root = await server.Client.CreateApiKeyAsync(new ApiKeyCreate("admin", ApiKeyRole.Admin));
        var admin = server.NewClient(root.Key);
        var viewer = await admin.CreateApiKeyAsync(new ApiKeyCreate("viewer", ApiKeyRole.Viewer));
        return (admin, viewer);
    }
}
