using System.Security.Claims;
using Bosun.Ui.Backend;
using Bosun.Ui.Components;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bosun.Ui;

/// <summary>
/// Web UI sessions, once the server requires API keys: a person signs in at /signin by pasting a key, which is checked
/// like a bearer key (run tokens refused) and then forgotten. The sign-in is recorded as a session row in the store
/// (audited as SignIn), and the browser gets a cookie holding only the session's id and the key's id, name and role,
/// encrypted by data protection. Every request of the UI, and every action of an open page, checks that session and its
/// key in the store, so a sign-out, an admin's revocation (`bosun session revoke`), or a revoked or expired key ends the
/// session at once, on every replica sharing the store.
/// </summary>
internal static class UiSessions
{
    public const string Scheme = "BosunUi";
    public const string CookieName = "bosun_session";
    public const string SignInPath = "/signin";
    public const string SignOutPath = "/signout";
    public const string ReturnUrlField = "returnUrl";
    public const string KeyField = "key";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    /// <summary>The claim holding the session's id (its row in the store).</summary>
    public const string SessionClaim = "bosun:session";

    public static IServiceCollection AddUiSessions(this IServiceCollection services)
    {
        services.AddAuthentication().AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.HttpOnly = true;
            // Strict: the cookie never rides on a request another site starts, the Blazor circuit's included (its
            // WebSocket is opened by our own page, so Strict does not break it). UiGate reloads pages opened from links
            // on other sites once, from this site, so that such links still find the session.
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.Cookie.Path = "/";
            cookie.ExpireTimeSpan = Lifetime;
            cookie.SlidingExpiration = true;
            cookie.LoginPath = SignInPath;
            cookie.LogoutPath = SignOutPath;
            cookie.ReturnUrlParameter = ReturnUrlField;
            cookie.Events.OnValidatePrincipal = ValidateAsync;
            // UiGate answers unauthenticated requests itself (a redirect for pages, 401 for the circuit's hub).
            cookie.Events.OnRedirectToLogin = context =>
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            };
            cookie.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });
        services.AddScoped<UiAccess>();
        services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler, UiActionScope>();
        return services;
    }

    /// <summary>What a session holds: its id, and the key's id, name and role as claims, never the key.</summary>
    public static ClaimsPrincipal Principal(Guid sessionId, Guid keyId, UiUser caller)
    {
        Claim[] claims =
        [
            new(SessionClaim, sessionId.ToString()),
            new(ClaimTypes.NameIdentifier, keyId.ToString()),
            new(ClaimTypes.Name, caller.Name),
            new(ClaimTypes.Role, caller.RoleName),
        ];
        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The key id a session names, or null for anyone else.</summary>
    public static Guid? KeyId(ClaimsPrincipal? user) =>
        user?.Identity is { IsAuthenticated: true, AuthenticationType: Scheme } && Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    /// <summary>The session id a sign-in cookie names, or null for anyone else (and for a cookie from before sessions were kept in the store).</summary>
    public static Guid? SessionId(ClaimsPrincipal? user) =>
        user?.Identity is { IsAuthenticated: true, AuthenticationType: Scheme } && Guid.TryParse(user.FindFirstValue(SessionClaim), out var id) ? id : null;

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        // The two forms check their antiforgery token themselves (not the middleware), to answer with a message people can act on.
        endpoints.MapGet(SignInPath, ShowSignInAsync).ExcludeFromDescription();
        endpoints.MapPost(SignInPath, SignInAsync).ExcludeFromDescription().DisableAntiforgery();
        endpoints.MapPost(SignOutPath, SignOutAsync).ExcludeFromDescription().DisableAntiforgery();
    }

    /// <summary>A session signed out or revoked, or whose key was revoked or expired (or whose role changed), is ended at once.</summary>
    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var access = context.HttpContext.RequestServices.GetRequiredService<IAccessBackend>();
        var caller = SessionId(context.Principal) is { } id ? await access.FindWorkingSessionAsync(id, context.HttpContext.RequestAborted) : null;
        if (caller is null || !string.Equals(context.Principal!.FindFirstValue(ClaimTypes.Role), caller.RoleName, StringComparison.Ordinal))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
        }
    }

    private static async Task<IResult> ShowSignInAsync(HttpContext context, IAccessBackend access, IAntiforgery antiforgery, string? returnUrl)
    {
        var target = SafeReturnUrl(returnUrl);
        if (!await access.AuthEnabledAsync(context.RequestAborted))
        {
            // No keys, no sign-in: the UI is open, as on a loopback server without authentication.
            return TypedResults.Redirect(target);
        }

        return Page(context, antiforgery, target, error: null, StatusCodes.Status200OK);
    }

    private static async Task<IResult> SignInAsync(HttpContext context, IAccessBackend access, IAntiforgery antiforgery)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var target = SafeReturnUrl(form[ReturnUrlField]);
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Page(context, antiforgery, target, "The sign-in form had expired. Paste the key again.", StatusCodes.Status400BadRequest);
        }

        if (!await access.AuthEnabledAsync(context.RequestAborted))
        {
            return TypedResults.Redirect(target);
        }

        var address = context.Connection.RemoteIpAddress;
        if (access.IsBlocked(address, out var retryAfter))
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Page(context, antiforgery, target,
                $"Too many failed sign-ins from this address: try again in {Math.Ceiling(retryAfter.TotalSeconds)} s.", StatusCodes.Status429TooManyRequests);
        }

        var key = form[KeyField].ToString().Trim();
        if (key.Length == 0)
        {
            return Page(context, antiforgery, target, "Paste an API key.", StatusCodes.Status400BadRequest);
        }

        // A run token belongs to one flow-run process; it never opens the web UI (the backend refuses it).
        var caller = key.Length > 1000 ? null : await access.AuthenticateKeyAsync(key, context.RequestAborted);
        if (caller?.KeyId is not { } keyId || caller.Role is null)
        {
            access.RecordFailure(address);
            return Page(context, antiforgery, target,
                "That key is not valid: it is unknown, revoked or expired (run tokens cannot sign in). Ask an admin for a key: `bosun api-key create`.",
                StatusCodes.Status401Unauthorized);
        }

        // Not persistent: the cookie ends with the browser session, and at the latest 8 hours after the last request.
        var sessionId = await access.StartSessionAsync(caller, context.RequestAborted);
        await context.SignInAsync(Scheme, Principal(sessionId, keyId, caller), new AuthenticationProperties { IsPersistent = false });
        return TypedResults.Redirect(target);
    }

    private static async Task<IResult> SignOutAsync(HttpContext context, IAccessBackend access, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Sign-out refused",
                detail: "The sign-out form had expired or came from another site; reload the page and sign out again.");
        }

        // The row ends too, so a copy of the cookie (another tab, another machine) stops working with it.
        if (SessionId(context.User) is { } sessionId)
        {
            await access.EndSessionAsync(sessionId, context.RequestAborted);
        }

        await context.SignOutAsync(Scheme);
        return TypedResults.Redirect(SignInPath);
    }

    private static RazorComponentResult<SignInPage> Page(HttpContext context, IAntiforgery antiforgery, string returnUrl, string? error, int status)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        context.Response.Headers.CacheControl = "no-store";
        return new RazorComponentResult<SignInPage>(new Dictionary<string, object?>
        {
            [nameof(SignInPage.ReturnUrl)] = returnUrl,
            [nameof(SignInPage.Error)] = error,
            [nameof(SignInPage.AntiforgeryField)] = tokens.FormFieldName,
            [nameof(SignInPage.AntiforgeryToken)] = tokens.RequestToken,
            [nameof(SignInPage.SignedInAs)] = context.User.Identity is { IsAuthenticated: true, AuthenticationType: Scheme } identity
                ? $"{identity.Name} ({context.User.FindFirstValue(ClaimTypes.Role)})"
                : null,
        })
        { StatusCode = status };
    }

    /// <summary>Only an address on this server (a path), so that the sign-in page cannot send anyone elsewhere.</summary>
    public static string SafeReturnUrl(string? url)
    {
        if (string.IsNullOrEmpty(url) || url[0] != '/' || url.StartsWith("//", StringComparison.Ordinal) || url.Contains('\\', StringComparison.Ordinal)
            || url.Any(char.IsControl) || url.StartsWith(SignInPath, StringComparison.OrdinalIgnoreCase) || url.StartsWith(SignOutPath, StringComparison.OrdinalIgnoreCase))
        {
            return "/";
        }

        return url;
    }
}
