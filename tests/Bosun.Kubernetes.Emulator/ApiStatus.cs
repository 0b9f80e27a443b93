using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Bosun.Kubernetes.Emulator;

/// <summary>The <c>Status</c> bodies the API server answers errors with (k8s.io/apimachinery/pkg/api/errors).</summary>
internal static class ApiStatus
{
    public static IResult NotFound(string resource, string name) =>
        Failure(404, "NotFound", $"{resource} \"{name}\" not found", Details(resource, name));

    public static IResult AlreadyExists(string resource, string name) =>
        Failure(409, "AlreadyExists", $"{resource} \"{name}\" already exists", Details(resource, name));

    public static IResult Conflict(string resource, string name) =>
        Failure(409, "Conflict", $"Operation cannot be fulfilled on {resource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again", Details(resource, name));

    /// <summary>422 with one cause per invalid field, as validation reports them.</summary>
    public static IResult Invalid(string kind, string name, IReadOnlyList<(string Field, string Message)> causes) =>
        Failure(422, "Invalid", $"{kind} \"{name}\" is invalid: {string.Join(", ", causes.Select(c => $"{c.Field}: {c.Message}"))}",
            new JsonObject
            {
                ["name"] = name,
                ["group"] = "batch",
                ["kind"] = "jobs",
                ["causes"] = new JsonArray([.. causes.Select(c => new JsonObject { ["reason"] = "FieldValueRequired", ["message"] = c.Message, ["field"] = c.Field })]),
            });

    public static IResult BadRequest(string message) => Failure(400, "BadRequest", message, null);

    /// <summary>The Status of a watch from a resourceVersion older than the compacted history (sent as an ERROR event).</summary>
    public static JsonObject Expired(long version, long current) =>
        Body(410, "Expired", $"too old resource version: {version} ({current})", null);

    public static IResult NoRoute() => Failure(404, "NotFound", "the server could not find the requested resource", null);

    public static JsonObject Body(int code, string reason, string message, JsonObject? details) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["details"] = details,
        ["code"] = code,
    };

    private static IResult Failure(int code, string reason, string message, JsonObject? details) =>
        Results.Content(Body(code, reason, message, details).ToJsonString(), "application/json", statusCode: code);

    private static JsonObject Details(string resource, string name)
    {
        var dot = resource.IndexOf('.', StringComparison.Ordinal);
        return new JsonObject
        {
            ["name"] = name,
            ["group"] = dot < 0 ? null : resource[(dot + 1)..],
            ["kind"] = dot < 0 ? resource : resource[..dot],
        };
    }
}
