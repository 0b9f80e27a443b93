using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bosun.Contracts.Automations;

namespace Bosun.Server.Orchestration.Automations;

/// <summary>
/// Renders an action's JSON template against an event's payload: <c>{{ event.run.name }}</c> inside a string is replaced
/// by the value's text; a string that is only a placeholder becomes the value itself (an object, a number). An unknown path
/// renders as empty text (or null).
/// </summary>
internal static partial class BodyTemplate
{
    public static JsonNode? Render(JsonNode? template, JsonObject payload) => template switch
    {
        JsonObject obj => new JsonObject(obj.Select(pair => KeyValuePair.Create(pair.Key, Render(pair.Value, payload)))),
        JsonArray array => new JsonArray(array.Select(item => Render(item, payload)).ToArray()),
        JsonValue value when value.GetValueKind() == JsonValueKind.String => RenderText(value.GetValue<string>(), payload),
        _ => template?.DeepClone(),
    };

    /// <summary>The body of a webhook: its template rendered, or the preset's shape (the event itself by default).</summary>
    public static JsonNode Body(AutomationAction action, JsonObject payload)
    {
        if (action.Body is not null)
        {
            return Render(action.Body, payload) ?? new JsonObject();
        }

        var summary = payload["event"]?["summary"]?.GetValue<string>() ?? "";
        var name = payload["automation"]?["name"]?.GetValue<string>() ?? "";
        return action.Preset switch
        {
            WebhookPreset.Slack => new JsonObject { ["text"] = $"*{name}*: {summary}" },
            WebhookPreset.Teams => new JsonObject
            {
                ["@type"] = "MessageCard",
                ["@context"] = "https://schema.org/extensions",
                ["summary"] = summary,
                ["title"] = name,
                ["text"] = summary,
            },
            _ => payload.DeepClone(),
        };
    }

    private static JsonNode? RenderText(string text, JsonObject payload)
    {
        var whole = Placeholder().Match(text);
        if (whole.Success && whole.Length == text.Length)
        {
            return Lookup(payload, whole.Groups[1].Value)?.DeepClone();
        }

        return JsonValue.Create(Placeholder().Replace(text, match => Lookup(payload, match.Groups[1].Value) switch
        {
            null => "",
            JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
            var node => node.ToJsonString(),
        }));
    }

    private static JsonNode? Lookup(JsonNode root, string path)
    {
        JsonNode? node = root;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject obj && obj.TryGetPropertyValue(part, out var next) ? next : null;
        }

        return node;
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_.]+)\s*\}\}")]
    private static partial Regex Placeholder();
}
