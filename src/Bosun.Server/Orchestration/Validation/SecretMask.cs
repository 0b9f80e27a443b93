using System.Text.Json.Nodes;

namespace Bosun.Server.Orchestration.Validation;

/// <summary>
/// Job variable values whose schema marks them secret (writeOnly, or format password): masked in every answer but the
/// claim's, and a masked value sent back (a client that read, changed something else, and wrote the whole object) keeps
/// the value it stands for.
/// </summary>
internal static class SecretMask
{
    public const string Masked = "********";

    /// <summary>Returns a copy of <paramref name="values"/> with every secret value replaced by <see cref="Masked"/>.</summary>
    public static JsonObject Apply(JsonObject values, JsonObject? schema)
    {
        var copy = (JsonObject)values.DeepClone();
        Visit(copy, schema, null);
        return copy;
    }

    /// <summary>The variables schema of a base job template (its <c>variables</c>), or null.</summary>
    public static JsonObject? VariablesOf(JsonObject template) => template["variables"] as JsonObject;

    /// <summary>
    /// Returns a copy of <paramref name="incoming"/> in which every secret value that is <see cref="Masked"/> is the value
    /// it masks in <paramref name="stored"/>, or is left out when nothing is stored there (the defaults then apply).
    /// </summary>
    public static JsonObject? Restore(JsonObject? incoming, JsonObject? stored, JsonObject? schema)
    {
        if (incoming is null)
        {
            return null;
        }

        var copy = (JsonObject)incoming.DeepClone();
        Visit(copy, schema, stored ?? []);
        return copy;
    }

    /// <summary>Masks the secrets of <paramref name="values"/>; with <paramref name="stored"/>, restores masked ones from it instead.</summary>
    private static void Visit(JsonObject values, JsonObject? schema, JsonObject? stored)
    {
        if (schema?["properties"] is not JsonObject properties)
        {
            return;
        }

        foreach (var (name, property) in properties)
        {
            if (property is not JsonObject propertySchema || !values.TryGetPropertyValue(name, out var value) || value is null)
            {
                continue;
            }

            if (!IsSecret(propertySchema))
            {
                if (value is JsonObject nested)
                {
                    Visit(nested, propertySchema, stored is null ? null : stored[name] as JsonObject ?? []);
                }
            }
            else if (stored is null)
            {
                values[name] = Masked;
            }
            else if (value.GetValueKind() == System.Text.Json.JsonValueKind.String && value.GetValue<string>() == Masked)
            {
                if (stored[name] is { } original)
                {
                    values[name] = original.DeepClone();
                }
                else
                {
                    values.Remove(name);
                }
            }
        }
    }

    private static bool IsSecret(JsonObject schema) =>
        schema["writeOnly"]?.GetValueKind() == System.Text.Json.JsonValueKind.True
        || (schema["format"] is JsonValue format && format.TryGetValue<string>(out var text) && text == "password");
}
