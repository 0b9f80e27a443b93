using System.Text.Json.Nodes;

namespace Bosun.Contract.Tests;

/// <summary>
/// What a newer OpenAPI document breaks against an older one, each change named as docs/api/deprecations.json lists it:
/// <list type="bullet">
/// <item>gone: an operation ("GET /api/x"), a parameter ("GET /api/x ?name"), a schema ("schema X"), a property ("X.field"),
/// a response status ("GET /api/x 404"), a response content type ("GET /api/x 200 application/json"), an enum value
/// ("X enum VALUE", "X.field enum VALUE");</item>
/// <item>changed: a parameter's or property's type or format ("GET /api/x ?name type", "X.field type"), a parameter, a
/// request body or a property of a schema that requests send becoming required ("... required"), an operation's security
/// narrowed (an alternative it accepted is gone: "GET /api/x security").</item>
/// </list>
/// Additions (routes, optional parameters and request fields, response fields, statuses, enum values, security
/// alternatives) are not listed: they do not break a client.
/// </summary>
internal static class ContractDiff
{
    public static List<string> Breaking(JsonObject older, JsonObject newer)
    {
        var breaking = new List<string>();
        foreach (var (path, operations) in older["paths"]!.AsObject())
        {
            foreach (var (method, operation) in operations!.AsObject())
            {
                var name = $"{method.ToUpperInvariant()} {path}";
                if (newer["paths"]?[path]?[method] is not JsonObject kept)
                {
                    breaking.Add(name);
                    continue;
                }

                breaking.AddRange(OperationChanges(name, operation!, kept));
            }
        }

        var requestSchemas = RequestSchemas(newer);
        var newerSchemas = newer["components"]?["schemas"]?.AsObject();
        foreach (var (schema, definition) in older["components"]?["schemas"]?.AsObject() ?? [])
        {
            if (newerSchemas?[schema] is not JsonObject kept)
            {
                breaking.Add($"schema {schema}");
                continue;
            }

            breaking.AddRange(SchemaChanges(schema, definition!, kept, requestSchemas.Contains(schema)));
        }

        return breaking;
    }

    private static IEnumerable<string> OperationChanges(string name, JsonNode older, JsonNode newer)
    {
        var newerParameters = Parameters(newer);
        foreach (var (parameter, definition) in Parameters(older))
        {
            if (!newerParameters.TryGetValue(parameter, out var kept))
            {
                yield return $"{name} ?{parameter}";
                continue;
            }

            if (Required(kept) && !Required(definition))
            {
                yield return $"{name} ?{parameter} required";
            }

            if (TypeOf(definition["schema"]) != TypeOf(kept["schema"]))
            {
                yield return $"{name} ?{parameter} type";
            }
        }

        foreach (var parameter in newerParameters.Where(p => !Parameters(older).ContainsKey(p.Key) && Required(p.Value)).Select(p => p.Key))
        {
            yield return $"{name} ?{parameter} required";
        }

        if (Required(newer["requestBody"]) && older["requestBody"] is not null && !Required(older["requestBody"]))
        {
            yield return $"{name} body required";
        }

        foreach (var (status, response) in older["responses"]?.AsObject() ?? [])
        {
            if (newer["responses"]?[status] is not JsonObject kept)
            {
                yield return $"{name} {status}";
                continue;
            }

            foreach (var (contentType, _) in response?["content"]?.AsObject() ?? [])
            {
                if (kept["content"]?[contentType] is null)
                {
                    yield return $"{name} {status} {contentType}";
                }
            }
        }

        var accepted = Alternatives(newer);
        if (Alternatives(older).Any(alternative => !accepted.Contains(alternative)))
        {
            yield return $"{name} security";
        }
    }

    private static IEnumerable<string> SchemaChanges(string schema, JsonNode older, JsonNode newer, bool sentInRequests)
    {
        foreach (var value in EnumValues(older).Except(EnumValues(newer)))
        {
            yield return $"{schema} enum {value}";
        }

        var newerProperties = newer["properties"]?.AsObject();
        var olderRequired = Names(older["required"]);
        foreach (var (property, definition) in older["properties"]?.AsObject() ?? [])
        {
            if (newerProperties?[property] is not JsonNode kept)
            {
                yield return $"{schema}.{property}";
                continue;
            }

            if (TypeOf(definition) != TypeOf(kept))
            {
                yield return $"{schema}.{property} type";
            }

            foreach (var value in EnumValues(definition).Except(EnumValues(kept)))
            {
                yield return $"{schema}.{property} enum {value}";
            }
        }

        if (sentInRequests)
        {
            foreach (var property in Names(newer["required"]).Except(olderRequired))
            {
                yield return $"{schema}.{property} required";
            }
        }
    }

    private static Dictionary<string, JsonNode> Parameters(JsonNode operation) =>
        operation["parameters"]?.AsArray().ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!) ?? [];

    private static bool Required(JsonNode? node) => node?["required"] is JsonValue value && value.GetValue<bool>();

    private static HashSet<string> Names(JsonNode? array) => array?.AsArray().Select(n => n!.GetValue<string>()).ToHashSet() ?? [];

    private static IEnumerable<string> EnumValues(JsonNode? schema) =>
        schema?["enum"]?.AsArray().Select(v => v is JsonValue value && value.TryGetValue<string>(out var text) ? text : v?.ToJsonString() ?? "null") ?? [];

    /// <summary>A schema's type as one comparable text: its type(s), format, reference, and the same of array items and of oneOf/anyOf branches.</summary>
    private static string TypeOf(JsonNode? schema)
    {
        if (schema is null)
        {
            return "";
        }

        var types = schema["type"] switch
        {
            JsonArray array => string.Join('|', array.Select(t => t!.GetValue<string>()).Order(StringComparer.Ordinal)),
            JsonValue value => value.GetValue<string>(),
            _ => "",
        };
        var branches = ((schema["oneOf"] ?? schema["anyOf"])?.AsArray() ?? []).Select(TypeOf).Order(StringComparer.Ordinal);
        return $"{types}/{schema["format"]}/{schema["$ref"]}/[{TypeOf(schema["items"])}]/({string.Join(',', branches)})";
    }

    /// <summary>An operation's accepted security alternatives, each as "scheme:role+role" joined by '&amp;' ("" for anonymous).</summary>
    private static HashSet<string> Alternatives(JsonNode operation) =>
        operation["security"]?.AsArray()
            .Select(requirement => string.Join('&', requirement!.AsObject()
                .Select(scheme => $"{scheme.Key}:{string.Join('+', scheme.Value!.AsArray().Select(r => r!.GetValue<string>()).Order(StringComparer.Ordinal))}")
                .Order(StringComparer.Ordinal)))
            .ToHashSet() ?? [""];

    /// <summary>The component schemas a request body refers to, directly or through other schemas.</summary>
    private static HashSet<string> RequestSchemas(JsonObject document)
    {
        var found = new HashSet<string>();
        var pending = new Stack<JsonNode>();
        foreach (var (_, operations) in document["paths"]!.AsObject())
        {
            foreach (var (_, operation) in operations!.AsObject())
            {
                if (operation?["requestBody"] is { } body)
                {
                    pending.Push(body);
                }
            }
        }

        while (pending.TryPop(out var node))
        {
            switch (node)
            {
                case JsonObject obj:
                    if (obj["$ref"]?.GetValue<string>() is { } reference && found.Add(reference[(reference.LastIndexOf('/') + 1)..])
                        && document["components"]?["schemas"]?[reference[(reference.LastIndexOf('/') + 1)..]] is { } target)
                    {
                        pending.Push(target);
                    }

                    foreach (var (_, child) in obj)
                    {
                        if (child is not null)
                        {
                            pending.Push(child);
                        }
                    }

                    break;
                case JsonArray array:
                    foreach (var child in array.OfType<JsonNode>())
                    {
                        pending.Push(child);
                    }

                    break;
            }
        }

        return found;
    }
}
