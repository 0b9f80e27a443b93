using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Bosun.Contracts.Automations;

/// <summary>One thing an automation does when it fires.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="Url">For <see cref="AutomationActionKind.Webhook"/>: where to POST.</param>
/// <param name="Secret">For <see cref="AutomationActionKind.Notify"/>: the name of the secret holding the channel's webhook URL.</param>
/// <param name="Preset">For webhooks and channels without a <paramref name="Body"/>: the body's shape.</param>
/// <param name="Body">A JSON template: strings may hold <c>{{ path }}</c> placeholders into the event (e.g. <c>{{ event.run.name }}</c>); a string that is only a placeholder becomes the value it names.</param>
/// <param name="Deployment">For run/pause/resume deployment: flow/deployment; omitted means the event's deployment.</param>
/// <param name="WorkPool">For pause/resume work pool: its name; omitted means the event's pool.</param>
/// <param name="Parameters">For <see cref="AutomationActionKind.RunDeployment"/>: the run's parameters (templates allowed).</param>
public sealed record AutomationAction(
    [property: JsonRequired] AutomationActionKind Kind,
    string? Url = null,
    string? Secret = null,
    WebhookPreset? Preset = null,
    JsonNode? Body = null,
    string? Deployment = null,
    string? WorkPool = null,
    JsonObject? Parameters = null);
