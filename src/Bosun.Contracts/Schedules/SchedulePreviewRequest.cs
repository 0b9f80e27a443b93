namespace Bosun.Contracts.Schedules;

/// <summary>
/// A schedule to try out, not saved (POST /api/schedules/preview): exactly one of <paramref name="Cron"/>,
/// <paramref name="IntervalSeconds"/> or <paramref name="RRule"/>, read as a deployment's schedule would be.
/// </summary>
/// <param name="Cron">A 5-field cron expression, e.g. "0 9 * * MON-FRI".</param>
/// <param name="IntervalSeconds">Every this many seconds from <paramref name="Anchor"/>; 24 h or more keeps the wall-clock time across DST.</param>
/// <param name="Anchor">Where an interval or rrule starts (default: now).</param>
/// <param name="RRule">An RFC 5545 recurrence rule, e.g. "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0".</param>
/// <param name="Timezone">IANA time zone the schedule is read in (default UTC).</param>
/// <param name="Count">How many of the next times to answer: 1 to 100 (default 5).</param>
public sealed record SchedulePreviewRequest(
    string? Cron = null,
    double? IntervalSeconds = null,
    DateTimeOffset? Anchor = null,
    string? RRule = null,
    string? Timezone = null,
    int? Count = null);
