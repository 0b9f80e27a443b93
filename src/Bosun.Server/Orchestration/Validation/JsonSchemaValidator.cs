using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Bosun.Server.Orchestration.Validation;

/// <summary>
/// JSON Schema checks for parameters, job variables and template defaults. Built schemas are cached by their
/// text, since the same deployment schema validates every run of it.
/// </summary>
internal static class JsonSchemaValidator
{
    private static readonly ConcurrentDictionary<string, JsonSchema> Cache = new(StringComparer.Ordinal);

    private static readonly EvaluationOptions ListOutput = new() { OutputFormat = OutputFormat.List };

    /// <summary>Builds the schema, or returns why it is not a valid JSON Schema.</summary>
    public static bool TryBuild(JsonNode schemaNode, out JsonSchema? schema, out string? error)
    {
        var text = schemaNode.ToJsonString();
        if (Cache.TryGetValue(text, out schema))
        {
            error = null;
            return true;
        }

        try
        {
            // A private registry per schema: the global one would keep every schema ever built alive.
            schema = JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
            if (Cache.Count < 10_000)
            {
                Cache.TryAdd(text, schema);
            }

            error = null;
            return true;
        }
        catch (Exception ex) when (ex is JsonSchemaException or JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            schema = null;
            error = ex.Message;
            return false;
        }
    }

    /// <summary>Validates <paramref name="instance"/>; returns one message per failure, naming the location.</summary>
    public static IReadOnlyList<string> Validate(JsonSchema schema, JsonNode? instance)
    {
        using var document = JsonDocument.Parse(instance?.ToJsonString() ?? "null");
        var results = schema.Evaluate(document.RootElement, ListOutput);
        if (results.IsValid)
        {
            return [];
        }

        var messages = new List<string>();
        foreach (var detail in results.Details ?? [])
        {
            if (detail.Errors is null)
            {
                continue;
            }

            var location = detail.InstanceLocation.ToString();
            foreach (var (_, message) in detail.Errors)
            {
                messages.Add(string.IsNullOrEmpty(location) ? message : $"{location.TrimStart('/').Replace('/', '.')}: {message}");
            }
        }

        if (results.Errors is not null)
        {
            messages.AddRange(results.Errors.Values);
        }

        return messages.Count > 0 ? messages.Distinct().ToList() : ["the value does not match its schema"];
    }
}
