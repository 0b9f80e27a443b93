using System.Text.Json.Nodes;

namespace Bosun.Server.Orchestration.Validation;

/// <summary>Masks job variable values whose schema marks them secret (writeOnly, or format password).</summary>
internal static class SecretMask
{
    public const string Masked = "********";

    /// <summary>Returns a copy of <paramref name="values"/> with every secret value replaced by <see cref="Masked"/>.</summary>
    public static JsonObject Apply(JsonObject values, JsonObject? schema)
    {
        var copy = (JsonObject)values.DeepClone();
        MaskObject(copy, schema);
        return copy;
    }

    private static void MaskObject(JsonObject values, JsonObject? schema)
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

            if (IsSecret(propertySchema))
            {
                values[name] = Masked;
            }
            else if (value is JsonObject nested)
            {
                MaskObject(nested, propertySchema);
            }
        }
    }

    private static bool IsSecret(JsonObject schema) =>
        schema["writeOnly"]?.GetValueKind() == System.Text.Json.JsonValueKind.True
        || schema["format"]?.GetValue<string>() == "password";
}
