namespace Bosun.Server.Domain;

/// <summary>A validated schedule: its kind and what it needs, with the time zone resolved.</summary>
internal sealed record ScheduleDefinition(
    Guid Id,
    string Kind,
    string? Cron,
    double? IntervalSeconds,
    DateTimeOffset Anchor,
    string? RRule,
    string Timezone)
{
    public const string CronKind = "cron";
    public const string IntervalKind = "interval";
    public const string RRuleKind = "rrule";

    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(Timezone);
}
