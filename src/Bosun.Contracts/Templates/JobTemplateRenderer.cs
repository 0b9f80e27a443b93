using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Bosun.Contracts.Templates;

/// <summary>
/// Turns a base job template and a run's job variables into the job configuration an infrastructure
/// is created from. Both the server (validation, previews) and the worker (rendering) use it.
/// </summary>
/// <remarks>
/// A placeholder is <c>{{ name }}</c> with any spaces inside the braces. Its name is a variable path
/// (<c>image</c>, <c>registry_credentials.username</c>, <c>networks[0]</c>), an environment variable of
/// the rendering machine (<c>$HOME</c>), or a reserved <c>secret.NAME</c> that rendering leaves as it
/// is for a later step. Text in double braces that is none of these is not a placeholder and is left
/// as it is.
/// </remarks>
public static partial class JobTemplateRenderer
{
    private const string EnvKey = "env";
    private const string EnvKeyPrefix = "env.";
    private const string SecretPrefix = "secret.";

    // Non-ASCII text and characters such as < or + are copied as they are: the text goes into a
    // command line or a setting, not into HTML.
    private static readonly JsonSerializerOptions s_textOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    /// <summary>
    /// Computes the values a template is rendered with: the non-null defaults of the variables schema,
    /// then the deployment's job variables, then the run's. Each key replaces the earlier one, except
    /// <c>env</c>, which is merged variable by variable; an <c>env</c> variable whose value is null is
    /// removed from the result, and an <c>env</c> that is null changes nothing. A top-level key written
    /// <c>env.NAME</c> means <c>env: {NAME: ...}</c>.
    /// </summary>
    /// <param name="variablesSchema">The template's <c>variables</c> JSON Schema, or null.</param>
    /// <param name="deploymentVariables">The deployment's job variables, or null.</param>
    /// <param name="runVariables">The flow run's job variables, or null.</param>
    /// <returns>A new object; the arguments are not changed.</returns>
    public static JsonObject MergeVariables(JsonObject? variablesSchema, JsonObject? deploymentVariables, JsonObject? runVariables)
    {
        var values = new JsonObject();
        if (variablesSchema is not null
            && variablesSchema.TryGetPropertyValue("properties", out var propertiesNode)
            && propertiesNode is JsonObject properties)
        {
            foreach (var (name, property) in properties)
            {
                if (property is JsonObject schema && schema.TryGetPropertyValue("default", out var value) && value is not null)
                {
                    SetValue(values, name, value);
                }
            }
        }

        foreach (var layer in (ReadOnlySpan<JsonObject?>)[deploymentVariables, runVariables])
        {
            if (layer is null)
            {
                continue;
            }

            foreach (var (name, value) in layer)
            {
                SetValue(values, name, value);
            }
        }

        return values;
    }

    /// <summary>
    /// Renders the <c>job_configuration</c> of <paramref name="baseJobTemplate"/> with
    /// <paramref name="values"/>. A string that is exactly one placeholder becomes the value with its
    /// JSON type; a missing value removes the key from its object (or the element from its array); an
    /// explicit null stays null. A placeholder inside a longer string is replaced by the value as text:
    /// strings as they are, other values as compact JSON, null and missing values as empty text.
    /// </summary>
    /// <param name="baseJobTemplate">The base job template; a template without <c>job_configuration</c> renders <c>{}</c>.</param>
    /// <param name="values">The values, usually from <see cref="MergeVariables"/>.</param>
    /// <param name="environment">Reads an environment variable for <c>{{ $NAME }}</c>; null means it is not set.</param>
    /// <returns>The rendered job configuration, a new object; the arguments are not changed.</returns>
    /// <exception cref="ArgumentException"><c>job_configuration</c> is present but not a JSON object.</exception>
    public static JsonObject Render(JsonObject baseJobTemplate, JsonObject values, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(baseJobTemplate);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(environment);

        if (!baseJobTemplate.TryGetPropertyValue("job_configuration", out var configuration) || configuration is null)
        {
            return [];
        }

        if (configuration is not JsonObject configurationObject)
        {
            throw new ArgumentException(
                $"The base job template's job_configuration must be a JSON object, not {configuration.GetValueKind()}.",
                nameof(baseJobTemplate));
        }

        return RenderObject(configurationObject, values, environment);
    }

    /// <summary>
    /// Lists the variables the placeholders inside <paramref name="node"/> use: the root name of each
    /// path (<c>a</c> for <c>{{ a.b[0] }}</c>), each once, in the order first seen. Environment
    /// placeholders (<c>{{ $NAME }}</c>) and reserved <c>{{ secret.NAME }}</c> placeholders are not listed.
    /// </summary>
    /// <param name="node">Any JSON, usually a template's <c>job_configuration</c>; null has none.</param>
    /// <returns>The variable names, which a valid template declares in <c>variables.properties</c>.</returns>
    public static IReadOnlyList<string> FindPlaceholders(JsonNode? node)
    {
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        CollectPlaceholders(node, names, seen);
        return names;
    }

    private static void SetValue(JsonObject values, string name, JsonNode? value)
    {
        if (string.Equals(name, EnvKey, StringComparison.Ordinal))
        {
            switch (value)
            {
                case null:
                    return;
                case JsonObject variables:
                    var env = EnvOf(values);
                    foreach (var (variable, variableValue) in variables)
                    {
                        SetEnvVariable(env, variable, variableValue);
                    }

                    return;
                default:
                    // Not an object: schema validation reports it; pass it through as it is.
                    values[EnvKey] = value.DeepClone();
                    return;
            }
        }

        if (name.Length > EnvKeyPrefix.Length && name.StartsWith(EnvKeyPrefix, StringComparison.Ordinal))
        {
            SetEnvVariable(EnvOf(values), name[EnvKeyPrefix.Length..], value);
            return;
        }

        values[name] = value?.DeepClone();
    }

    private static JsonObject EnvOf(JsonObject values)
    {
        if (values.TryGetPropertyValue(EnvKey, out var existing) && existing is JsonObject env)
        {
            return env;
        }

        var created = new JsonObject();
        values[EnvKey] = created;
        return created;
    }

    private static void SetEnvVariable(JsonObject env, string variable, JsonNode? value)
    {
        if (value is null)
        {
            env.Remove(variable);
        }
        else
        {
            env[variable] = value.DeepClone();
        }
    }

    private static JsonObject RenderObject(JsonObject template, JsonObject values, Func<string, string?> environment)
    {
        var rendered = new JsonObject();
        foreach (var (name, node) in template)
        {
            if (TryRenderNode(node, values, environment, out var value))
            {
                rendered[name] = value;
            }
        }

        return rendered;
    }

    /// <returns>False when the node is a placeholder without a value, so its key or element is dropped.</returns>
    private static bool TryRenderNode(JsonNode? node, JsonObject values, Func<string, string?> environment, out JsonNode? rendered)
    {
        switch (node)
        {
            case null:
                rendered = null;
                return true;
            case JsonObject obj:
                rendered = RenderObject(obj, values, environment);
                return true;
            case JsonArray array:
                var renderedArray = new JsonArray();
                foreach (var element in array)
                {
                    if (TryRenderNode(element, values, environment, out var renderedElement))
                    {
                        renderedArray.Add(renderedElement);
                    }
                }

                rendered = renderedArray;
                return true;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                return TryRenderString(value.GetValue<string>(), values, environment, out rendered);
            default:
                rendered = node.DeepClone();
                return true;
        }
    }

    private static bool TryRenderString(string text, JsonObject values, Func<string, string?> environment, out JsonNode? rendered)
    {
        var matches = PlaceholderPattern().Matches(text);
        if (matches.Count == 0)
        {
            rendered = JsonValue.Create(text);
            return true;
        }

        if (matches.Count == 1 && matches[0].Length == text.Length)
        {
            var lookup = Resolve(matches[0].Groups["name"].Value, values, environment);
            switch (lookup.Outcome)
            {
                case LookupOutcome.NotAPlaceholder:
                    rendered = JsonValue.Create(text);
                    return true;
                case LookupOutcome.Missing:
                    rendered = null;
                    return false;
                default:
                    rendered = lookup.Value?.DeepClone();
                    return true;
            }
        }

        rendered = JsonValue.Create(PlaceholderPattern().Replace(text, match =>
        {
            var lookup = Resolve(match.Groups["name"].Value, values, environment);
            return lookup.Outcome switch
            {
                LookupOutcome.NotAPlaceholder => match.Value,
                LookupOutcome.Missing => string.Empty,
                _ => AsText(lookup.Value),
            };
        }));
        return true;
    }

    private static string AsText(JsonNode? value) => value switch
    {
        null => string.Empty,
        JsonValue text when text.GetValueKind() == JsonValueKind.String => text.GetValue<string>(),
        _ => value.ToJsonString(s_textOptions),
    };

    private static Lookup Resolve(string name, JsonObject values, Func<string, string?> environment)
    {
        if (EnvironmentPattern().IsMatch(name))
        {
            var variable = environment(name[1..]);
            return variable is null ? Lookup.Missing : new Lookup(LookupOutcome.Found, JsonValue.Create(variable));
        }

        if (name.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            return Lookup.NotAPlaceholder;
        }

        var path = PathPattern().Match(name);
        if (!path.Success)
        {
            return Lookup.NotAPlaceholder;
        }

        if (!values.TryGetPropertyValue(path.Groups["root"].Value, out var current))
        {
            return Lookup.Missing;
        }

        foreach (Capture step in path.Groups["step"].Captures)
        {
            var segment = step.Value;
            if (segment[0] == '.')
            {
                if (current is not JsonObject obj || !obj.TryGetPropertyValue(segment[1..], out current))
                {
                    return Lookup.Missing;
                }
            }
            else
            {
                // The pattern allows digits only, but a huge index must still read as missing.
                if (current is not JsonArray array
                    || !int.TryParse(segment.AsSpan(1, segment.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                    || index >= array.Count)
                {
                    return Lookup.Missing;
                }

                current = array[index];
            }
        }

        return new Lookup(LookupOutcome.Found, current);
    }

    private static void CollectPlaceholders(JsonNode? node, List<string> names, HashSet<string> seen)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    CollectPlaceholders(child, names, seen);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    CollectPlaceholders(child, names, seen);
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                foreach (Match match in PlaceholderPattern().Matches(value.GetValue<string>()))
                {
                    var name = match.Groups["name"].Value;
                    if (name.StartsWith(SecretPrefix, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var path = PathPattern().Match(name);
                    if (path.Success && seen.Add(path.Groups["root"].Value))
                    {
                        names.Add(path.Groups["root"].Value);
                    }
                }

                break;
        }
    }

    [GeneratedRegex(@"\{\{\s*(?<name>[^{}]*?)\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex PlaceholderPattern();

    [GeneratedRegex(@"^\$[A-Za-z_][A-Za-z0-9_]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex EnvironmentPattern();

    [GeneratedRegex(@"^(?<root>[A-Za-z_][A-Za-z0-9_-]*)(?<step>\.[A-Za-z0-9_-]+|\[[0-9]+\])*\z", RegexOptions.CultureInvariant)]
    private static partial Regex PathPattern();

    private enum LookupOutcome
    {
        NotAPlaceholder,
        Missing,
        Found,
    }

    private readonly record struct Lookup(LookupOutcome Outcome, JsonNode? Value)
    {
        public static Lookup Missing { get; } = new(LookupOutcome.Missing, null);

        public static Lookup NotAPlaceholder { get; } = new(LookupOutcome.NotAPlaceholder, null);
    }
}
