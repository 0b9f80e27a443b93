using System.Net;
using System.Text.RegularExpressions;
using Bosun.Contracts.Security;
using Bosun.Server.Storage;
using Bosun.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Tests;

/// <summary>
/// Web UI sessions outlive the process that issued them: the data-protection key ring is kept in the store (encrypted
/// with the server's key file), so a session cookie signed in on one server works on a second one sharing the database,
/// and on the first again after a restart. This is the default; <see cref="Orchestration.BosunServerOptions.InMemoryUiSessionKeys"/>
/// turns it off. Runs on PostgreSQL with BOSUN_TEST_STORE=postgresql; the replica test also runs on PostgreSQL explicitly.
/// </summary>
public sealed partial class UiSessionSurvivalTests
{
    private static void StoreKeys(Orchestration.BosunServerOptions options) => options.InMemoryUiSessionKeys = false;

    [Fact]
    public Task SessionCookie_FromOneReplica_WorksOnAnotherAndAfterRestart() => SessionSurvivesAsync(postgres: null);

    [Fact]
    public async Task SessionCookie_FromOneReplica_WorksOnAnotherAndAfterRestart_OnPostgreSql()
    {
        if (TestDatabases.PostgresAdmin is null && !TestEnvironment.InCi)
        {
            return; // no PostgreSQL cluster configured outside CI (scripts/ci-setup/10-postgres.sh)
        }

        await SessionSurvivesAsync(postgres: true);
    }

    [Fact]
    public async Task SessionCookie_WithInMemoryKeys_IsRefusedByAnotherReplica()
    {
        static void InMemory(Orchestration.BosunServerOptions options) => options.InMemoryUiSessionKeys = true;
        await using var first = await TestServer.StartAsync(configure: InMemory);
        var admin = await first.Client.CreateApiKeyAsync(new ApiKeyCreate("admin", ApiKeyRole.Admin));
        using var adminClient = first.NewClient(admin.Key);
        var viewer = (await adminClient.CreateApiKeyAsync(new ApiKeyCreate("viewer", ApiKeyRole.Viewer))).Key;
        await using var second = await TestServer.StartAsync(configure: InMemory, directory: first.Directory);

        var cookie = await SignInAsync(first.Server.BaseAddress, viewer);

        Assert.Equal(HttpStatusCode.OK, await OpenAsync(first.Server.BaseAddress, cookie));
        Assert.Equal(HttpStatusCode.Redirect, await OpenAsync(second.Server.BaseAddress, cookie));
        var stored = await first.Server.Services.GetRequiredService<BosunDatabase>()
            .ReadAsync(connection => DataProtectionKeyStore.ListAsync(connection, CancellationToken.None), CancellationToken.None);
        Assert.Empty(stored);
    }

    private static async Task SessionSurvivesAsync(bool? postgres)
    {
        await using var first = await TestServer.StartAsync(configure: StoreKeys, postgres: postgres);
        var admin = await first.Client.CreateApiKeyAsync(new ApiKeyCreate("admin", ApiKeyRole.Admin));
        using var adminClient = first.NewClient(admin.Key);
        var viewer = (await adminClient.CreateApiKeyAsync(new ApiKeyCreate("viewer", ApiKeyRole.Viewer))).Key;
        await using var second = await TestServer.StartAsync(configure: StoreKeys, directory: first.Directory, postgres: postgres);
        Assert.NotEqual(first.Server.BaseAddress, second.Server.BaseAddress);

        if (postgres == true)
        {
            // Both replicas on one PostgreSQL database, not a SQLite file.
            Assert.Contains("Database=bosun_t_", first.Server.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Orchestration.BosunServerOptions>>().Value.Database,
                StringComparison.OrdinalIgnoreCase);
        }

        var cookie = await SignInAsync(first.Server.BaseAddress, viewer);

        // Each process starts with no key ring in memory: both read it from the store.
        Assert.Equal(HttpStatusCode.OK, await OpenAsync(first.Server.BaseAddress, cookie));
        Assert.Equal(HttpStatusCode.OK, await OpenAsync(second.Server.BaseAddress, cookie));
        // Without the cookie, the same page sends the browser to sign in: the 200s above were the session's.
        Assert.Equal(HttpStatusCode.Redirect, await OpenAsync(second.Server.BaseAddress, cookie: null));

        await first.StopAsync();
        await first.RestartAsync();
        Assert.Equal(HttpStatusCode.OK, await OpenAsync(first.Server.BaseAddress, cookie));

        // The store holds the keys, their secret part encrypted with the server's key file.
        var stored = await first.Server.Services.GetRequiredService<BosunDatabase>()
            .ReadAsync(connection => DataProtectionKeyStore.ListAsync(connection, CancellationToken.None), CancellationToken.None);
        Assert.NotEmpty(stored);
        Assert.All(stored, xml =>
        {
            Assert.Contains("encryptedByServerKey", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task KeyRing_ReadFromAThreadThatHoldsItsSynchronizationContext_DoesNotHang()
    {
        await using var server = await TestServer.StartAsync(configure: StoreKeys);
        var repository = server.Server.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>>()
            .Value.XmlRepository!;
        var count = -1;
        // As on a Blazor circuit: the caller's context runs posted work only after the caller returns, and the caller blocks.
        var thread = new Thread(() =>
        {
            SynchronizationContext.SetSynchronizationContext(new HeldContext());
            count = repository.GetAllElements().Count;
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "reading the key ring hung on its caller's synchronization context");
        Assert.True(count >= 1, "the server made a key at start");
    }

    /// <summary>A context whose posted work never runs (its one thread is busy): a continuation sent here never comes back.</summary>
    private sealed class HeldContext : SynchronizationContext
    {
        public override void Post(SendOrPostCallback d, object? state)
        {
        }
    }

    /// <summary>Signs in at /signin as a browser would (the form and its antiforgery token); returns the session cookie "bosun_session=...".</summary>
    private static async Task<string> SignInAsync(Uri server, string key)
    {
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = server };
        var form = await http.GetStringAsync(new Uri("signin", UriKind.Relative));
        var token = AntiforgeryField().Match(form);
        Assert.True(token.Success, "the sign-in form has an antiforgery field");
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [WebUtility.HtmlDecode(token.Groups["name"].Value)] = WebUtility.HtmlDecode(token.Groups["value"].Value),
            ["key"] = key,
            ["returnUrl"] = "/work-pools",
        });
        using var answer = await http.PostAsync(new Uri("signin", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        var session = cookies.GetCookies(server).SingleOrDefault(cookie => cookie.Name == "bosun_session");
        Assert.NotNull(session);
        return $"{session.Name}={session.Value}";
    }

    /// <summary>GET /work-pools with only <paramref name="cookie"/>: 200 with a working session, a redirect to /signin without.</summary>
    private static async Task<HttpStatusCode> OpenAsync(Uri server, string? cookie)
    {
        using var handler = new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = server };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("work-pools", UriKind.Relative));
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        using var answer = await http.SendAsync(request);
        return answer.StatusCode;
    }

    [GeneratedRegex("""<input type="hidden" name="(?<name>__RequestVerificationToken[^"]*)" value="(?<value>[^"]+)""", RegexOptions.None, 1000)]
    private static partial Regex AntiforgeryField();
}
