using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Bosun.Server.Domain;
using Json.Schema;

namespace Bosun.Server.Orchestration.Validation;

/// <summary>Checks run parameters against a deployment's parameter schema: unknown names, types, required values.</summary>
internal static class ParameterValidator
{
    /// <summary>
    /// What a schema text checks, by text and whether required values are enforced: every run of a deployment is checked
    /// against the same stored schema, which is parsed and built once rather than on every create.
    /// </summary>
    private static readonly ConcurrentDictionary<(string Text, bool EnforceRequired), Checker> Checkers = new();

    public static void ValidateSchema(JsonObject? schema, string field = "parameter_schema")
    {
        if (schema is not null && !JsonSchemaValidator.TryBuild(schema, out _, out var error))
        {
            throw new ValidationException(field, [$"not a valid JSON Schema: {error}"]);
        }
    }

    /// <summary>Throws 422 naming each unknown or invalid parameter.</summary>
    public static void Validate(JsonObject? schema, JsonObject parameters, bool enforceRequired)
    {
        if (schema is not null)
        {
            CheckerOf(schema.ToJsonString(), enforceRequired, schema)?.Check(parameters);
        }
    }

    /// <summary>The same, for a schema as the store keeps it (JSON text, or null for none).</summary>
    public static void Validate(string? schemaText, JsonObject parameters, bool enforceRequired)
    {
        if (!string.IsNullOrEmpty(schemaText))
        {
            CheckerOf(schemaText, enforceRequired, null)?.Check(parameters);
        }
    }

    private static Checker? CheckerOf(string text, bool enforceRequired, JsonObject? parsed)
    {
        if (Checkers.TryGetValue((text, enforceRequired), out var checker))
        {
            return checker;
        }

        if ((parsed ?? JsonNode.Parse(text)) is not JsonObject schema)
        {
            return null;
        }

        checker = Checker.For(schema, enforceRequired);
        if (Checkers.Count < 10_000)
        {
            Checkers.TryAdd((text, enforceRequired), checker);
        }

        return checker;
    }

    /// <param name="Known">The schema's property names, when it lists them: any other parameter is unknown.</param>
    /// <param name="Built">The built schema, or null when it does not build (it was checked when the deployment was saved).</param>
    private sealed record Checker(IReadOnlyList<string>? Known, JsonSchema? Built)
    {
        public static Checker For(JsonObject schema, bool enforceRequired)
        {
            var schemaNode = (JsonObject)schema.DeepClone();
            if (!enforceRequired)
            {
                schemaNode.Remove("required");
            }

            return new Checker(
                schema["properties"] is JsonObject properties ? [.. properties.Select(p => p.Key)] : null,
                JsonSchemaValidator.TryBuild(schemaNode, out var built, out _) ? built : null);
        }

        public void Check(JsonObject parameters)
        {
            if (Known is not null)
            {
                var unknown = parameters.Select(pair => pair.Key).Where(name => !Known.Contains(name, StringComparer.Ordinal)).ToList();
                if (unknown.Count > 0)
                {
                    var known = Known.Count == 0 ? "this flow takes no parameters" : $"known parameters: {string.Join(", ", Known)}";
                    throw new ValidationException("parameters",
                        [$"unknown parameter{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(u => $"'{u}'"))} ({known})"]);
                }
            }

            if (Built is not null && JsonSchemaValidator.Validate(Built, parameters) is { Count: > 0 } problems)
            {
                throw new ValidationException("parameters", problems);
            }
        }
    }
}
