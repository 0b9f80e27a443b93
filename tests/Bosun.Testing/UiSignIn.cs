using System.Net;
using System.Text.RegularExpressions;
using Xunit;

namespace Bosun.Testing;

/// <summary>The web UI's sign-in and sign-out driven over HTTP as a browser does (forms with their antiforgery tokens), for tests without Chromium.</summary>
public static partial class UiSignIn
{
    /// <summary>Signs in at /signin with <paramref name="key"/>; returns the session cookie as a header value, "bosun_session=...".</summary>
    public static async Task<string> SignInAsync(Uri server, string key)
    {
        var cookies = new CookieContainer();
        using var http = Client(server, cookies);
        var form = await http.GetStringAsync(new Uri("signin", UriKind.Relative));
        using var content = FormWith(form, new Dictionary<string, string> { ["key"] = key, ["returnUrl"] = "/work-pools" });
        using var answer = await http.PostAsync(new Uri("signin", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        var session = cookies.GetCookies(server).SingleOrDefault(cookie => cookie.Name == "bosun_session");
        Assert.NotNull(session);
        return $"{session.Name}={session.Value}";
    }

    /// <summary>GET <paramref name="path"/> with only <paramref name="cookie"/>: 200 with a working session, a redirect to /signin without.</summary>
    public static async Task<HttpStatusCode> OpenAsync(Uri server, string? cookie, string path = "work-pools")
    {
        using var handler = new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = server };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        using var answer = await http.SendAsync(request);
        return answer.StatusCode;
    }

    /// <summary>Signs the session of <paramref name="cookie"/> out with the header's sign-out button (a page's form and its token); returns the answer's status.</summary>
    public static async Task<HttpStatusCode> SignOutAsync(Uri server, string cookie)
    {
        var cookies = new CookieContainer();
        cookies.SetCookies(server, cookie);
        using var http = Client(server, cookies);
        var page = await http.GetStringAsync(new Uri("work-pools", UriKind.Relative));
        using var content = FormWith(page, []);
        using var answer = await http.PostAsync(new Uri("signout", UriKind.Relative), content);
        return answer.StatusCode;
    }

    private static HttpClient Client(Uri server, CookieContainer cookies) =>
        new(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }, disposeHandler: true) { BaseAddress = server };

    private static FormUrlEncodedContent FormWith(string html, Dictionary<string, string> fields)
    {
        var token = AntiforgeryField().Match(html);
        Assert.True(token.Success, "the page has a form with an antiforgery field");
        fields[WebUtility.HtmlDecode(token.Groups["name"].Value)] = WebUtility.HtmlDecode(token.Groups["value"].Value);
        return new FormUrlEncodedContent(fields);
    }

    [GeneratedRegex("""<input type="hidden" name="(?<name>__RequestVerificationToken[^"]*)" value="(?<value>[^"]+)""", RegexOptions.None, 1000)]
    private static partial Regex AntiforgeryField();
}
