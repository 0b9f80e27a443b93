using System.Text.Json.Nodes;

namespace Bosun.Contracts.Schedules;

/// <summary>
/// A schedule of a deployment: exactly one of <paramref name="Cron"/>, <paramref name="IntervalSeconds"/> or
/// <paramref name="RRule"/>.
/// </summary>
/// <param name="Cron">A 5-field cron expression, e.g. "0 9 * * MON-FRI".</param>
/// <param name="IntervalSeconds">Every this many seconds from <paramref name="Anchor"/>; 24 h or more keeps the wall-clock time across DST.</param>
/// <param name="Anchor">Where an interval or rrule starts (default: when the schedule is created).</param>
/// <param name="RRule">An RFC 5545 recurrence rule, e.g. "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0".</param>
/// <param name="Timezone">IANA time zone the schedule is read in (default UTC).</param>
/// <param name="Active">Inactive schedules create no runs.</param>
/// <param name="Parameters">Parameters of this schedule's runs, over the deployment's defaults.</param>
public sealed record ScheduleSpec(
    string? Cron = null,
    double? IntervalSeconds = null,
    DateTimeOffset? Anchor = null,
    string? RRule = null,
    string? Timezone = null,
    bool Active = true,
    JsonObject? Parameters = null);
