using System.Text.Json.Nodes;

namespace Bosun.Ui;

/// <summary>JSON Schema fragments written for people: "integer or null", "one of: Never, Always".</summary>
internal static class SchemaText
{
    public static string TypeOf(JsonObject? property)
    {
        if (property is null)
        {
            return "any";
        }

        if (property["enum"] is JsonArray values)
        {
            return "one of: " + string.Join(", ", values.Select(Compact));
        }

        return property["type"] switch
        {
            JsonValue single => single.ToString(),
            JsonArray several => string.Join(" or ", several.Select(t => t?.ToString())),
            _ when property["anyOf"] is JsonArray options => string.Join(" or ", options.Select(o => TypeOf(o as JsonObject))),
            _ => "any",
        };
    }

    /// <summary>"Title: description"; a title that only repeats the property's <paramref name="name"/> is left out.</summary>
    public static string Describe(JsonObject? property, string? name = null)
    {
        var title = property?["title"]?.ToString();
        if (string.Equals(title, name, StringComparison.OrdinalIgnoreCase))
        {
            title = null;
        }

        var description = property?["description"]?.ToString();
        return (title, description) switch
        {
            ({ Length: > 0 }, { Length: > 0 }) => $"{title}: {description}",
            ({ Length: > 0 }, _) => title,
            (_, { Length: > 0 }) => description,
            _ => "",
        };
    }

    /// <summary>A value on one line: strings as they are, everything else as JSON.</summary>
    public static string Compact(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue text when text.GetValueKind() == System.Text.Json.JsonValueKind.String => text.GetValue<string>(),
        _ => value.ToJsonString(),
    };
}
