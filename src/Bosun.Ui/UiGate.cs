using System.Text.Encodings.Web;
using Bosun.Ui.Backend;
using Microsoft.AspNetCore.Authentication;

namespace Bosun.Ui;

/// <summary>
/// Guards everything the server answers outside /api (the UI's pages, the Blazor hub /_blazor, unknown addresses) once
/// authentication is on: without a working session, a page visit is sent to /signin and anything else gets 401. Open to
/// all: the sign-in and sign-out endpoints and the UI's plain stylesheet, icon and Blazor script. /api is left to the
/// server's API authentication, which never looks at the session cookie (so no cookie ever authorizes an API call).
/// </summary>
internal sealed class UiGate(RequestDelegate next)
{
    private static readonly HashSet<string> PublicAssets = new(StringComparer.OrdinalIgnoreCase)
    {
        "/" + UiAssets.StylesheetPath, "/" + UiAssets.IconPath, "/" + UiAssets.BlazorScriptPath, "/" + UiAssets.ScriptPath,
    };

    public async Task InvokeAsync(HttpContext context, IAccessBackend access)
    {
        var path = context.Request.Path;
        // The API and the Prometheus endpoint check API keys themselves (a scraper has no browser session).
        if (path.StartsWithSegments("/api") || path.StartsWithSegments("/metrics") || PublicAssets.Contains(path.Value ?? ""))
        {
            await next(context);
            return;
        }

        var sessionEndpoint = path.Equals(UiSessions.SignInPath, StringComparison.OrdinalIgnoreCase) || path.Equals(UiSessions.SignOutPath, StringComparison.OrdinalIgnoreCase);
        var required = await access.AuthEnabledAsync(context.RequestAborted);
        if (!required && !sessionEndpoint)
        {
            await next(context);
            return;
        }

        // The session (validated against the store: UiSessions.ValidateAsync) becomes the request's user, for the
        // circuit (its AuthenticationStateProvider) and for antiforgery tokens.
        var session = await context.AuthenticateAsync(UiSessions.Scheme);
        if (session.Succeeded)
        {
            context.User = session.Principal;
        }

        if (!required || sessionEndpoint || session.Succeeded)
        {
            await next(context);
            return;
        }

        if (!(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)) || path.StartsWithSegments("/_blazor"))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var here = $"{context.Request.PathBase}{path}{context.Request.QueryString}";
        context.Response.Headers.CacheControl = "no-store";
        if (string.Equals(context.Request.Headers["Sec-Fetch-Site"], "cross-site", StringComparison.Ordinal)
            && string.Equals(context.Request.Headers["Sec-Fetch-Mode"], "navigate", StringComparison.Ordinal))
        {
            // A link on another site (chat, e-mail, a ticket): the browser withheld the SameSite=Strict cookie. Load the
            // same address again from this page, a same-site navigation that carries it; without a session the second
            // visit comes here as same-origin and goes to the sign-in page.
            context.Response.ContentType = "text/html; charset=utf-8";
            var encoded = HtmlEncoder.Default.Encode(here);
            await context.Response.WriteAsync(
                $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0\"><title>Bosun</title></head>" +
                $"<body><p>Opening <a href=\"{encoded}\">{encoded}</a>…</p></body></html>", context.RequestAborted);
            return;
        }

        context.Response.Redirect($"{UiSessions.SignInPath}?{UiSessions.ReturnUrlField}={Uri.EscapeDataString(here)}");
    }
}
