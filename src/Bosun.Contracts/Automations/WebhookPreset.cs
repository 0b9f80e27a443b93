using System.Text.Json.Serialization;

namespace Bosun.Contracts.Automations;

/// <summary>The shape of a webhook's body when the action gives no template.</summary>
[JsonConverter(typeof(NamedEnumConverter<WebhookPreset>))]
public enum WebhookPreset
{
    /// <summary>The event itself, as JSON.</summary>
    [JsonStringEnumMemberName("event")] Event,
    /// <summary>A Slack incoming-webhook message: {"text": summary}.</summary>
    [JsonStringEnumMemberName("slack")] Slack,
    /// <summary>A Microsoft Teams incoming-webhook message card: {"@type": "MessageCard", "summary", "text"}.</summary>
    [JsonStringEnumMemberName("teams")] Teams,
}
