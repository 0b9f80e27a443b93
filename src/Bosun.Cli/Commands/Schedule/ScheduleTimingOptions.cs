using System.CommandLine;
using Bosun.Cli.Input;

namespace Bosun.Cli.Commands.Schedule;

/// <summary>The options that say when a schedule fires, shared by `schedule add` and `schedule preview`.</summary>
internal sealed class ScheduleTimingOptions
{
    public Option<string?> Cron { get; } = new("--cron") { Description = "A 5-field cron expression, e.g. '0 9 * * MON-FRI'." };

    public Option<string?> Interval { get; } = new("--interval") { Description = "Every N seconds, or a duration such as 30m, 6h, 1d." };

    public Option<string?> Anchor { get; } = new("--anchor") { Description = "Where an interval or rrule starts (ISO 8601; default now)." };

    public Option<string?> RRule { get; } = new("--rrule") { Description = "An RFC 5545 rule, e.g. 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0'." };

    public Option<string?> Timezone { get; } = new("--timezone", "--tz") { Description = "IANA time zone the schedule is read in (default UTC)." };

    /// <summary>The timing as given: the interval in seconds (from a duration such as 30m), the anchor parsed.</summary>
    public (string? Cron, double? IntervalSeconds, DateTimeOffset? Anchor, string? RRule, string? Timezone) Read(ParseResult parse) => (
        parse.GetValue(Cron),
        parse.GetValue(Interval) is { } text ? StartTime.ParseDuration(text, "--interval").TotalSeconds : null,
        ScheduleCommand.ParseAnchor(parse.GetValue(Anchor)),
        parse.GetValue(RRule),
        parse.GetValue(Timezone));
}
