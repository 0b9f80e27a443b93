using Bosun.Contracts.Automations;

namespace Bosun.Server.Orchestration.Automations;

/// <summary>Whether an event is one a rule's trigger watches: the kind, every filter it gives, and how long the condition lasted.</summary>
internal static class AutomationMatcher
{
    public static bool Matches(AutomationTrigger trigger, AutomationEvent candidate, DateTimeOffset ruleCreated, DateTimeOffset now) =>
        trigger.Kind == candidate.Kind
        && (trigger.States is not { Count: > 0 } states || (candidate.State is { } state && states.Contains(state)))
        && (trigger.Deployment is null || DeploymentMatches(trigger.Deployment, candidate.Deployment))
        && (trigger.Flow is null || string.Equals(trigger.Flow, candidate.Flow, StringComparison.Ordinal))
        && (trigger.WorkPool is null || string.Equals(trigger.WorkPool, candidate.WorkPool, StringComparison.Ordinal))
        && (trigger.Tag is null || (candidate.Tags?.Contains(trigger.Tag, StringComparer.Ordinal) ?? false))
        && (trigger.ForMinutes is not { } minutes || now - candidate.Since >= TimeSpan.FromMinutes(minutes))
        // A worker that died or a slot skipped before the rule existed is history, not news.
        && (candidate.Kind is not (AutomationTriggerKind.WorkerOffline or AutomationTriggerKind.ScheduleSkipped) || candidate.Occurred >= ruleCreated);

    /// <summary>flow/deployment matches exactly; a bare deployment name matches that deployment of any flow.</summary>
    private static bool DeploymentMatches(string wanted, string? address) =>
        address is not null && (wanted.Contains('/', StringComparison.Ordinal)
            ? string.Equals(wanted, address, StringComparison.Ordinal)
            : address.EndsWith("/" + wanted, StringComparison.Ordinal));
}
