using System.Net;
using Bosun.Testing;

namespace Bosun.Ui.Tests;

/// <summary>The UI shares the server's process and port with the API; neither shadows the other.</summary>
public sealed class RoutingTests
{
    [Fact]
    public async Task Server_UiAndApiSideBySide_ApiRoutesAndFallbackUnchangedUiPagesAndAssetsServed()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Server.BaseAddress };

        using var home = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Equal("text/html", home.Content.Headers.ContentType?.MediaType);
        var html = await home.Content.ReadAsStringAsync();
        Assert.Contains("_framework/blazor.web.js", html, StringComparison.Ordinal);
        Assert.Contains("ui/bosun.css", html, StringComparison.Ordinal);

        foreach (var page in new[] { "/work-pools", "/work-pools/new", "/work-pools/some-pool/workers", "/deployments", "/flow-runs" })
        {
            using var response = await http.GetAsync(page);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{page} answered {(int)response.StatusCode}");
        }

        using var script = await http.GetAsync("/_framework/blazor.web.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.True((await script.Content.ReadAsByteArrayAsync()).Length > 10_000, "blazor.web.js is served whole");

        using var css = await http.GetAsync("/ui/bosun.css");
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Contains(".status-red", await css.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var health = await http.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("application/json", health.Content.Headers.ContentType?.MediaType);

        // The API's own fallback still answers unknown /api paths, even ones that look like UI pages.
        foreach (var path in new[] { "/api/no-such-route", "/api/work-pools", "/api/flow-runs/x" })
        {
            using var missing = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        }

        using var unknownPage = await http.GetAsync("/no-such-page");
        Assert.Equal(HttpStatusCode.NotFound, unknownPage.StatusCode);

        using var openApi = await http.GetAsync("/api/openapi.json");
        var document = await openApi.Content.ReadAsStringAsync();
        Assert.DoesNotContain("\"/work-pools", document, StringComparison.Ordinal);
        Assert.DoesNotContain("blazor.web.js", document, StringComparison.Ordinal);
    }
}
