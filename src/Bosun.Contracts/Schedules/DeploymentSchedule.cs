using System.Text.Json.Nodes;

namespace Bosun.Contracts.Schedules;

/// <summary>A stored schedule of a deployment.</summary>
/// <param name="Id">Server id.</param>
/// <param name="DeploymentId">Its deployment.</param>
/// <param name="Kind">cron, interval or rrule.</param>
/// <param name="Cron">The cron expression (kind cron).</param>
/// <param name="IntervalSeconds">The interval (kind interval).</param>
/// <param name="Anchor">The interval's or rrule's start.</param>
/// <param name="RRule">The recurrence rule (kind rrule).</param>
/// <param name="Timezone">IANA time zone.</param>
/// <param name="Active">Creates runs when true.</param>
/// <param name="Parameters">Parameters of its runs.</param>
/// <param name="Created">Creation time.</param>
/// <param name="Updated">Last change.</param>
/// <param name="SkippedRuns">Scheduled times of this schedule its deployment's catch-up policy skipped so far.</param>
public sealed record DeploymentSchedule(
    Guid Id,
    Guid DeploymentId,
    string Kind,
    string? Cron,
    double? IntervalSeconds,
    DateTimeOffset? Anchor,
    string? RRule,
    string Timezone,
    bool Active,
    JsonObject Parameters,
    DateTimeOffset Created,
    DateTimeOffset Updated,
    int SkippedRuns = 0);
