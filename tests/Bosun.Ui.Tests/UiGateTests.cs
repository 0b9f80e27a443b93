using System.Net;
using System.Text.RegularExpressions;
using Bosun.Contracts.Security;
using Bosun.Testing;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Bosun.Ui.Tests;

/// <summary>What the server answers outside /api once keys exist, over plain HTTP (no browser): every UI address needs a session.</summary>
public sealed partial class UiGateTests
{
    [Fact]
    public async Task AuthOn_PagesRedirectToSignInHubRefusedAssetsOpenApiUnchanged()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.CreateApiKeyAsync(new ApiKeyCreate("admin", ApiKeyRole.Admin));
        using var http = NewHttp(server);

        foreach (var (path, returnUrl) in new[] { ("/", "%2F"), ("/work-pools/proc?tab=x", "%2Fwork-pools%2Fproc%3Ftab%3Dx"), ("/flow-runs", "%2Fflow-runs"), ("/no-such-page", "%2Fno-such-page") })
        {
            using var response = await http.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{path} answered {(int)response.StatusCode}");
            Assert.Equal($"/signin?returnUrl={returnUrl}", response.Headers.Location?.OriginalString);
        }

        // The Blazor hub (where a circuit starts) answers 401 to anyone without a session; so do other methods.
        using (var negotiate = await http.PostAsync("/_blazor/negotiate?negotiateVersion=1", null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, negotiate.StatusCode);
        }

        using (var initializers = await http.GetAsync("/_blazor/initializers"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, initializers.StatusCode);
        }

        // Plain CSS, icon and script stay public (the sign-in page uses them); the API answers as before.
        foreach (var asset in new[] { "/ui/bosun.css", "/ui/favicon.svg", "/_framework/blazor.web.js" })
        {
            using var response = await http.GetAsync(asset);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset} answered {(int)response.StatusCode}");
        }

        using (var health = await http.GetAsync("/api/health"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        using (var pools = await http.GetAsync("/api/work_pools"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, pools.StatusCode);
            Assert.Equal("application/problem+json", pools.Content.Headers.ContentType?.MediaType);
        }

        // The sign-in page only ever sends people back to this server.
        foreach (var evil in new[] { "//evil.example/x", "https://evil.example/", "/\\evil.example", "/signin" })
        {
            var page = await http.GetStringAsync($"/signin?returnUrl={Uri.EscapeDataString(evil)}");
            Assert.Contains("<h1>Sign in</h1>", page, StringComparison.Ordinal);
            Assert.Contains("name=\"returnUrl\" value=\"/\"", page, StringComparison.Ordinal);
        }

        // A link followed from another site arrives without the SameSite=Strict cookie: the page reloads itself once, same-site.
        using var crossSite = new HttpRequestMessage(HttpMethod.Get, "/flow-runs");
        crossSite.Headers.Add("Sec-Fetch-Site", "cross-site");
        crossSite.Headers.Add("Sec-Fetch-Mode", "navigate");
        using var bounce = await http.SendAsync(crossSite);
        Assert.Equal(HttpStatusCode.OK, bounce.StatusCode);
        Assert.Contains("<meta http-equiv=\"refresh\" content=\"0\">", await bounce.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignInOverHttp_CookieHttpOnlyStrictNotTheKey_OpensPagesButNeverTheApi()
    {
        await using var server = await TestServer.StartAsync();
        var admin = (await server.Client.CreateApiKeyAsync(new ApiKeyCreate("admin", ApiKeyRole.Admin))).Key;
        using var asAdmin = server.NewClient(admin);
        var viewer = await asAdmin.CreateApiKeyAsync(new ApiKeyCreate("viewer", ApiKeyRole.Viewer));
        using var http = NewHttp(server);

        var (antiforgeryCookie, token) = await SignInFormAsync(http);
        using var wrong = await PostSignInAsync(http, antiforgeryCookie, token, "bosun_" + new string('0', 64));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.DoesNotContain(wrong.Headers.TryGetValues("Set-Cookie", out var none) ? none : [], value => value.StartsWith(UiSession.SessionCookie, StringComparison.Ordinal));
        Assert.Contains("That key is not valid", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var forged = await PostSignInAsync(http, antiforgeryCookie, "not-the-token", viewer.Key);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

        using var signIn = await PostSignInAsync(http, antiforgeryCookie, token, viewer.Key, returnUrl: "/work-pools");
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/work-pools", signIn.Headers.Location?.OriginalString);
        var setCookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"), value => value.StartsWith(UiSession.SessionCookie + "=", StringComparison.Ordinal));
        var attributes = setCookie.Split(';').Skip(1).Select(part => part.Trim().ToLowerInvariant()).ToList();
        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.Contains("path=/", attributes);
        Assert.DoesNotContain("secure", attributes);
        Assert.DoesNotContain(attributes, attribute => attribute.StartsWith("expires", StringComparison.Ordinal));
        Assert.DoesNotContain(viewer.Key, setCookie, StringComparison.Ordinal);
        Assert.DoesNotContain(viewer.Key[6..20], setCookie, StringComparison.Ordinal);
        var session = setCookie.Split(';')[0];

        using (var page = new HttpRequestMessage(HttpMethod.Get, "/work-pools"))
        {
            page.Headers.Add("Cookie", session);
            using var response = await http.SendAsync(page);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The cookie never stands for a key on the API: only `Authorization: Bearer` does.
        using (var api = new HttpRequestMessage(HttpMethod.Get, "/api/work_pools"))
        {
            api.Headers.Add("Cookie", session);
            using var response = await http.SendAsync(api);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // Revoked: the same cookie opens nothing and is removed.
        await asAdmin.RevokeApiKeyAsync(viewer.ApiKey.Id);
        using (var page = new HttpRequestMessage(HttpMethod.Get, "/work-pools"))
        {
            page.Headers.Add("Cookie", session);
            using var response = await http.SendAsync(page);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/signin", response.Headers.Location?.OriginalString, StringComparison.Ordinal);
            Assert.Contains(response.Headers.GetValues("Set-Cookie"), value => value.StartsWith(UiSession.SessionCookie + "=;", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task RepeatedWrongKeys_SignInRefusedForAMinute_EvenWithAGoodKey()
    {
        await using var server = await TestServer.StartAsync();
        var admin = await server.Client.CreateApiKeyAsync(new ApiKeyCreate("admin", ApiKeyRole.Admin));
        using var http = NewHttp(server);
        var (antiforgeryCookie, token) = await SignInFormAsync(http);
        for (var i = 0; i < 20; i++)
        {
            using var wrong = await PostSignInAsync(http, antiforgeryCookie, token, $"bosun_guess{i}");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var blocked = await PostSignInAsync(http, antiforgeryCookie, token, admin.Key);
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.True(blocked.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("Too many failed sign-ins", await blocked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(blocked.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], value => value.StartsWith(UiSession.SessionCookie, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CookieOptions_SecureOverHttpsSlidingEightHours()
    {
        await using var server = await TestServer.StartAsync();
        var options = server.Server.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get("BosunUi");
        Assert.Equal(UiSession.SessionCookie, options.Cookie.Name);
        Assert.True(options.Cookie.HttpOnly);
        Assert.Equal(SameSiteMode.Strict, options.Cookie.SameSite);
        Assert.Equal(CookieSecurePolicy.SameAsRequest, options.Cookie.SecurePolicy);
        Assert.Equal(TimeSpan.FromHours(8), options.ExpireTimeSpan);
        Assert.True(options.SlidingExpiration);
    }

    [Fact]
    public async Task AuthOff_SignInPageNotNeeded_PagesOpen()
    {
        await using var server = await TestServer.StartAsync();
        using var http = NewHttp(server);
        using var signIn = await http.GetAsync("/signin?returnUrl=%2Fwork-pools");
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/work-pools", signIn.Headers.Location?.OriginalString);
        using var page = await http.GetAsync("/work-pools");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    internal static HttpClient NewHttp(TestServer server) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = server.Server.BaseAddress };

    internal static async Task<(string Cookie, string Token)> SignInFormAsync(HttpClient http)
    {
        using var form = await http.GetAsync("/signin");
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        var cookie = form.Headers.GetValues("Set-Cookie").Single(value => value.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal)).Split(';')[0];
        var token = TokenField().Match(await form.Content.ReadAsStringAsync()).Groups[1].Value;
        Assert.NotEmpty(token);
        return (cookie, WebUtility.HtmlDecode(token));
    }

    internal static async Task<HttpResponseMessage> PostSignInAsync(HttpClient http, string antiforgeryCookie, string token, string key, string returnUrl = "/")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["returnUrl"] = returnUrl, ["key"] = key }),
        };
        request.Headers.Add("Cookie", antiforgeryCookie);
        return await http.SendAsync(request);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
