using System.Text.Json.Nodes;
using Bosun.Contracts.WorkPools;

namespace Bosun.Contracts.Templates;

/// <summary>
/// The default base job template of each work pool type: what a pool gets when it is created without
/// one, and what <c>bosun work-pool get-default-base-job-template</c> prints.
/// </summary>
public static class DefaultJobTemplates
{
    /// <summary>
    /// Returns a fresh copy of the default base job template of <paramref name="type"/>:
    /// <c>{"job_configuration": {...}, "variables": {...}}</c>. The caller may change it freely.
    /// </summary>
    /// <param name="type">A work pool type: <c>process</c>, <c>docker</c> or <c>kubernetes</c>.</param>
    /// <returns>The template as a new JSON object.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="type"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="type"/> is not a known work pool type.</exception>
    public static JsonObject For(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (!WorkPoolTypes.IsKnown(type))
        {
            throw new ArgumentException(
                $"There is no default job template for work pool type '{type}'; known types are {string.Join(", ", WorkPoolTypes.All)}.",
                nameof(type));
        }

        // Parsed on every call so each caller owns its copy; the templates are a few kilobytes.
        var resourceName = $"Bosun.Templates.{type}.json";
        using var stream = typeof(DefaultJobTemplates).Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"The embedded resource '{resourceName}' is missing from {typeof(DefaultJobTemplates).Assembly.GetName().Name}.");
        return JsonNode.Parse(stream)?.AsObject()
            ?? throw new InvalidOperationException($"The embedded resource '{resourceName}' is not a JSON object.");
    }
}
