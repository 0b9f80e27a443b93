using System.Text.Json.Nodes;
using Bosun.Contracts;
using Bosun.Contracts.Automations;
using Bosun.Contracts.States;

namespace Bosun.Server.Orchestration.Automations;

/// <summary>
/// Something a rule may fire on. <see cref="Key"/> names it uniquely and deterministically (the same state change, the
/// same outage), so a rule records it once whichever replica or sweep sees it. <see cref="Since"/> is when the condition
/// began, for triggers that must last (<see cref="AutomationTrigger.ForMinutes"/>).
/// </summary>
internal sealed record AutomationEvent(
    AutomationTriggerKind Kind,
    string Key,
    DateTimeOffset Occurred,
    DateTimeOffset Since,
    string Summary,
    JsonObject Details,
    string? Flow = null,
    string? Deployment = null,
    string? WorkPool = null,
    IReadOnlyList<string>? Tags = null,
    StateType? State = null,
    Guid? RunId = null,
    Guid? DeploymentId = null)
{
    /// <summary>The JSON a rule's actions see (and templates address): <c>{"automation": {...}, "event": {...}}</c>.</summary>
    public JsonObject Payload(Guid automationId, string automationName, AutomationTrigger trigger)
    {
        var details = (JsonObject)Details.DeepClone();
        details["kind"] = EnumNames.Of(Kind);
        details["key"] = Key;
        details["occurred"] = Occurred.ToString("O");
        details["summary"] = Summary;
        if (trigger.Threshold > 1)
        {
            details["count"] = trigger.Threshold;
            details["within_minutes"] = trigger.WithinMinutes;
        }

        return new JsonObject
        {
            ["automation"] = new JsonObject { ["id"] = automationId.ToString(), ["name"] = automationName },
            ["event"] = details,
        };
    }
}
