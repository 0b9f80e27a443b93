using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bosun.Contracts;

namespace Bosun.Contract.Tests;

/// <summary>A request Bosun.Client sent: method, path, query parameter names, body.</summary>
internal sealed record RecordedRequest(string Method, string Path, IReadOnlyList<string> QueryNames, string? Body);

/// <summary>Checks what a <see cref="Client.BosunClient"/> method sent and reads against an OpenAPI document.</summary>
internal sealed class ClientContract(JsonObject document)
{
    public IEnumerable<string> Check(MethodInfo method, RecordedRequest request)
    {
        var at = $"{method.Name}: {request.Method} {request.Path}";
        var match = document["paths"]!.AsObject()
            .Where(p => Regex.IsMatch(request.Path, "^" + Regex.Replace(Regex.Escape(p.Key), @"\\\{[^}]+}", "[^/]+") + "$"))
            .Select(p => p.Value![request.Method.ToLowerInvariant()])
            .FirstOrDefault(o => o is not null);
        if (match is null)
        {
            yield return $"{at} is not in the document";
            yield break;
        }

        var queryNames = match["parameters"]?.AsArray().Where(p => p!["in"]!.GetValue<string>() == "query").Select(p => p!["name"]!.GetValue<string>()).ToHashSet() ?? [];
        foreach (var name in request.QueryNames.Where(n => !queryNames.Contains(n)))
        {
            yield return $"{at} sends the undocumented query parameter '{name}'";
        }

        if (request.Body is not null)
        {
            var schema = match["requestBody"]?["content"]?["application/json"]?["schema"];
            if (schema is null)
            {
                yield return $"{at} sends a body the route does not take";
            }
            else
            {
                foreach (var problem in CheckValue(JsonNode.Parse(request.Body), schema, "body"))
                {
                    yield return $"{at}: {problem}";
                }
            }
        }

        var returned = method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>) ? method.ReturnType.GetGenericArguments()[0] : null;
        if (returned is not null)
        {
            var answer = match["responses"]!.AsObject().Where(r => r.Key.StartsWith('2')).Select(r => r.Value!["content"]?["application/json"]?["schema"]).FirstOrDefault(s => s is not null);
            if (answer is null)
            {
                yield return $"{at} reads a {returned.Name} from a route that documents no JSON answer";
            }
            else
            {
                foreach (var problem in CheckType(returned, answer, "answer", 0))
                {
                    yield return $"{at}: {problem}";
                }
            }
        }
    }

    /// <summary>A JSON value the client sent, against the schema: no field the schema lacks, every field it requires.</summary>
    private IEnumerable<string> CheckValue(JsonNode? value, JsonNode schema, string path)
    {
        schema = Resolve(schema);
        if (value is JsonObject json && schema["properties"] is JsonObject properties)
        {
            foreach (var required in schema["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [])
            {
                if (!json.ContainsKey(required))
                {
                    yield return $"{path} lacks the required field '{required}'";
                }
            }

            foreach (var (name, field) in json)
            {
                if (properties[name] is not { } fieldSchema)
                {
                    yield return $"{path} has the field '{name}', which the schema does not";
                    continue;
                }

                foreach (var problem in CheckValue(field, fieldSchema, $"{path}.{name}"))
                {
                    yield return problem;
                }
            }
        }
        else if (value is JsonArray array && schema["items"] is { } items)
        {
            foreach (var problem in array.SelectMany((item, i) => CheckValue(item, items, $"{path}[{i}]")))
            {
                yield return problem;
            }
        }
    }

    /// <summary>A type the client reads, against the answer's schema: every field it reads is one the server documents.</summary>
    private IEnumerable<string> CheckType(Type type, JsonNode schema, string path, int depth)
    {
        schema = Resolve(schema);
        var info = BosunJsonContext.Default.GetTypeInfo(type);
        if (info is null || depth > 4)
        {
            yield break;
        }

        if (info.Kind == System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object && schema["properties"] is JsonObject properties)
        {
            foreach (var property in info.Properties)
            {
                if (properties[property.Name] is not { } fieldSchema)
                {
                    yield return $"{path} reads '{property.Name}', which the answer's schema does not have";
                    continue;
                }

                foreach (var problem in CheckType(property.PropertyType, fieldSchema, $"{path}.{property.Name}", depth + 1))
                {
                    yield return problem;
                }
            }
        }
        else if (info.Kind == System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Enumerable && info.ElementType is { } element && schema["items"] is { } items)
        {
            foreach (var problem in CheckType(element, items, path + "[]", depth + 1))
            {
                yield return problem;
            }
        }
    }

    /// <summary>Follows $ref, and picks the non-null branch of a nullable oneOf/anyOf.</summary>
    private JsonNode Resolve(JsonNode schema)
    {
        for (var i = 0; i < 10; i++)
        {
            if (schema["$ref"]?.GetValue<string>() is { } reference)
            {
                schema = document["components"]!["schemas"]![reference.Split('/')[^1]]!;
            }
            else if ((schema["oneOf"] ?? schema["anyOf"]) is JsonArray branches && branches.FirstOrDefault(b => b!["type"]?.ToString() != "null") is { } branch)
            {
                schema = branch;
            }
            else
            {
                break;
            }
        }

        return schema;
    }
}
