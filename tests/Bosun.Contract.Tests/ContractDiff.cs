using System.Text.Json.Nodes;

namespace Bosun.Contract.Tests;

/// <summary>
/// What a newer OpenAPI document lost against an older one: operations ("GET /api/x"), their parameters
/// ("GET /api/x ?name"), schemas ("schema X") and schema properties ("X.field"). Additions are not listed: they do not break a client.
/// </summary>
internal static class ContractDiff
{
    public static List<string> Removals(JsonObject older, JsonObject newer)
    {
        var removed = new List<string>();
        foreach (var (path, operations) in older["paths"]!.AsObject())
        {
            foreach (var (method, operation) in operations!.AsObject())
            {
                var name = $"{method.ToUpperInvariant()} {path}";
                if (newer["paths"]?[path]?[method] is not JsonObject kept)
                {
                    removed.Add(name);
                    continue;
                }

                removed.AddRange(ParameterNames(operation).Except(ParameterNames(kept)).Select(parameter => $"{name} ?{parameter}"));
            }
        }

        var newerSchemas = newer["components"]?["schemas"]?.AsObject();
        foreach (var (schema, definition) in older["components"]?["schemas"]?.AsObject() ?? [])
        {
            if (newerSchemas?[schema] is not JsonObject kept)
            {
                removed.Add($"schema {schema}");
                continue;
            }

            removed.AddRange(PropertyNames(definition).Except(PropertyNames(kept)).Select(property => $"{schema}.{property}"));
        }

        return removed;
    }

    private static IEnumerable<string> ParameterNames(JsonNode? operation) =>
        operation?["parameters"]?.AsArray().Select(p => p!["name"]!.GetValue<string>()) ?? [];

    private static IEnumerable<string> PropertyNames(JsonNode? schema) =>
        schema?["properties"]?.AsObject().Select(p => p.Key) ?? [];
}
