using System.Text.Json.Nodes;
using Bosun.Contracts.Templates;
using Bosun.Server.Domain;

namespace Bosun.Server.Orchestration.Validation;

/// <summary>Checks of docs/behaviour.md §5.1: a base job template's shape, and job variables against its variables schema.</summary>
internal static class JobTemplateValidator
{
    /// <summary>Throws 422 listing every problem of <paramref name="template"/>.</summary>
    public static void ValidateTemplate(JsonObject template)
    {
        if (template.Count == 0)
        {
            return;
        }

        var errors = new List<string>();
        var configuration = template["job_configuration"];
        var variables = template["variables"];
        if (configuration is not JsonObject)
        {
            errors.Add("base_job_template must have a 'job_configuration' object (or the whole template must be empty).");
        }

        if (variables is not JsonObject variablesObject)
        {
            errors.Add("base_job_template must have a 'variables' object holding a JSON Schema (or the whole template must be empty).");
            throw new ValidationException("base_job_template", errors);
        }

        if (!JsonSchemaValidator.TryBuild(variablesObject, out _, out var schemaError))
        {
            errors.Add($"'variables' is not a valid JSON Schema: {schemaError}");
        }

        var properties = variablesObject["properties"] as JsonObject ?? [];
        if (configuration is JsonObject)
        {
            var undeclared = JobTemplateRenderer.FindPlaceholders(configuration).Where(name => !properties.ContainsKey(name)).ToList();
            if (undeclared.Count > 0)
            {
                errors.Add($"job_configuration uses placeholders not declared in variables.properties: {string.Join(", ", undeclared)}.");
            }
        }

        foreach (var (name, property) in properties)
        {
            if (property is not JsonObject propertyObject || !propertyObject.TryGetPropertyValue("default", out var defaultValue))
            {
                continue;
            }

            if (!JsonSchemaValidator.TryBuild(propertyObject, out var propertySchema, out var propertyError))
            {
                errors.Add($"variable '{name}' has an invalid schema: {propertyError}");
                continue;
            }

            var problems = JsonSchemaValidator.Validate(propertySchema!, defaultValue);
            if (problems.Count > 0)
            {
                errors.Add($"the default of variable '{name}' is invalid: {string.Join("; ", problems)}");
            }
        }

        if (errors.Count > 0)
        {
            throw new ValidationException("base_job_template", errors);
        }
    }

    /// <summary>
    /// Validates the merged job variables (template defaults, then deployment, then run) against the template's
    /// variables schema. Deployments are checked without required keys, runs with them (docs/behaviour.md §5.1).
    /// </summary>
    public static void ValidateJobVariables(JsonObject template, JsonObject? deploymentVariables, JsonObject? runVariables, bool enforceRequired, string field)
    {
        if (template["variables"] is not JsonObject variables)
        {
            return;
        }

        var merged = JobTemplateRenderer.MergeVariables(variables, deploymentVariables, runVariables);
        var schemaNode = (JsonObject)variables.DeepClone();
        if (!enforceRequired)
        {
            schemaNode.Remove("required");
        }

        if (!JsonSchemaValidator.TryBuild(schemaNode, out var schema, out _))
        {
            return;
        }

        var problems = JsonSchemaValidator.Validate(schema!, merged);
        if (problems.Count > 0)
        {
            throw new ValidationException(field, problems);
        }
    }
}
