using System.Reflection;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace Bosun.Ui;

/// <summary>
/// The UI's static files (its stylesheet and Blazor's script), served from resources embedded in this assembly: the
/// server runs inside other hosts (the bosun tool, tests), whose builds carry no static web assets manifest for it.
/// </summary>
internal static class UiAssets
{
    public const string StylesheetPath = "ui/bosun.css";
    public const string BlazorScriptPath = "_framework/blazor.web.js";
    public const string IconPath = "ui/favicon.svg";
    public const string ScriptPath = "ui/bosun.js";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        MapResource(endpoints, StylesheetPath, "ui/bosun.css", "text/css; charset=utf-8");
        MapResource(endpoints, IconPath, "ui/favicon.svg", "image/svg+xml");
        MapResource(endpoints, ScriptPath, "ui/bosun.js", "text/javascript; charset=utf-8");
        MapResource(endpoints, BlazorScriptPath, "ui/_framework/blazor.web.js", "text/javascript; charset=utf-8");
    }

    private static void MapResource(IEndpointRouteBuilder endpoints, string path, string resource, string contentType)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The UI resource '{resource}' is missing from {Assembly.GetExecutingAssembly().GetName().Name}.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var bytes = buffer.ToArray();
        var etag = new EntityTagHeaderValue($"\"{Convert.ToHexString(SHA256.HashData(bytes))[..20]}\"");
        endpoints.MapGet("/" + path, (HttpContext context) =>
        {
            // Revalidated on every load (cheap: 304 by ETag), so a new server version never runs an old script.
            context.Response.Headers.CacheControl = "no-cache";
            return TypedResults.Bytes(bytes, contentType, entityTag: etag);
        }).ExcludeFromDescription();
    }
}
