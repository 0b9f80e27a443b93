using System.Text.Json.Nodes;
using Bosun.Server.Domain;

namespace Bosun.Server.Orchestration.Validation;

/// <summary>Checks run parameters against a deployment's parameter schema: unknown names, types, required values.</summary>
internal static class ParameterValidator
{
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
        if (schema is null)
        {
            return;
        }

        if (schema["properties"] is JsonObject properties)
        {
            var unknown = parameters.Select(pair => pair.Key).Where(name => !properties.ContainsKey(name)).ToList();
            if (unknown.Count > 0)
            {
                var known = properties.Count == 0 ? "this flow takes no parameters" : $"known parameters: {string.Join(", ", properties.Select(p => p.Key))}";
                throw new ValidationException("parameters",
                    [$"unknown parameter{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(u => $"'{u}'"))} ({known})"]);
            }
        }

        var schemaNode = (JsonObject)schema.DeepClone();
        if (!enforceRequired)
        {
            schemaNode.Remove("required");
        }

        if (JsonSchemaValidator.TryBuild(schemaNode, out var built, out _))
        {
            var problems = JsonSchemaValidator.Validate(built!, parameters);
            if (problems.Count > 0)
            {
                throw new ValidationException("parameters", problems);
            }
        }
    }
}
