using Microsoft.AspNetCore.Http;

namespace Bosun.Kubernetes.Emulator;

/// <summary>A request as the API server's authorizer sees it: verb, API group, resource[/subresource], namespace.</summary>
internal sealed record ApiRequest(string Verb, string Group, string Resource, string? Namespace)
{
    public static ApiRequest From(HttpRequest request)
    {
        // /api/v1/namespaces/{ns}/{resource}[/{name}[/{subresource}]] or /apis/{group}/{version}/namespaces/...
        var parts = (request.Path.Value ?? "").Trim('/').Split('/');
        var (group, rest) = parts is ["api", _, .. var core] ? ("", core) : parts is ["apis", var g, _, .. var grouped] ? (g, grouped) : ("?", parts);
        string? ns = null;
        if (rest is ["namespaces", var n, .. var inNamespace])
        {
            ns = n;
            rest = inNamespace;
        }

        var resource = rest.Length switch
        {
            0 => "",
            3 => $"{rest[0]}/{rest[2]}",
            _ => rest[0],
        };
        var named = rest.Length >= 2;
        var verb = request.Method switch
        {
            "GET" when request.Query["watch"] is ["true" or "1"] => "watch",
            "GET" => named ? "get" : "list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => named ? "delete" : "deletecollection",
            _ => request.Method.ToLowerInvariant(),
        };
        return new ApiRequest(verb, group, resource, ns);
    }
}
