namespace Bosun.Server.Api.OpenApi;

/// <summary>
/// The version of the REST API as a contract, apart from the server's build version: MAJOR.MINOR, the minor raised by a
/// release that adds to the API, the major only by one that removes what was deprecated (docs/api.md). Every /api answer
/// carries it in <see cref="HeaderName"/>, and the OpenAPI document's info.version is it.
/// </summary>
internal static class ApiVersion
{
    public const string Current = "1.1";

    public const string HeaderName = "Bosun-Api-Version";

    /// <summary>Adds the header to every /api answer, errors included (set when the answer starts, after an exception handler cleared the headers).</summary>
    public static IApplicationBuilder UseApiVersionHeader(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.OnStarting(() =>
            {
                context.Response.Headers[HeaderName] = Current;
                return Task.CompletedTask;
            });
        }

        return next(context);
    });
}
