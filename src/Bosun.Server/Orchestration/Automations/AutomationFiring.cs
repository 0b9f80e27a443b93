using Bosun.Contracts.Automations;
using Bosun.Server.Storage;

namespace Bosun.Server.Orchestration.Automations;

/// <summary>Records a matching event for a rule and, when it completes the rule's threshold, queues a delivery per action: all in the caller's transaction.</summary>
internal static class AutomationFiring
{
    /// <summary>True when the rule fired (its deliveries are queued).</summary>
    public static async Task<bool> RecordAsync(WriteScope scope, AutomationRow rule, AutomationCreate definition, AutomationEvent candidate, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var eventId = Guid.NewGuid();
        var payload = candidate.Payload(rule.Id, rule.Name, definition.Trigger).ToJsonString();
        if (!await AutomationStore.InsertEventAsync(scope, eventId, rule.Id, candidate.Key, payload, candidate.Occurred, cancellationToken))
        {
            return false;
        }

        var trigger = definition.Trigger;
        var since = trigger.Threshold > 1 && trigger.WithinMinutes is { } minutes ? now - TimeSpan.FromMinutes(minutes) : DateTimeOffset.UnixEpoch;
        if (await AutomationStore.ConsumeWindowAsync(scope, rule.Id, since, Math.Max(1, trigger.Threshold), cancellationToken) == 0)
        {
            return false;
        }

        for (var index = 0; index < definition.Actions.Count; index++)
        {
            await AutomationStore.InsertDeliveryAsync(scope, rule.Id, eventId, index, definition.Actions[index].Kind, now, cancellationToken);
        }

        return true;
    }
}
