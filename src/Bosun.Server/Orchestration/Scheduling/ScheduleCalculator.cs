using Bosun.Contracts.Schedules;
using Bosun.Server.Domain;
using Cronos;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;

namespace Bosun.Server.Orchestration.Scheduling;

/// <summary>
/// When schedules fire (docs/behaviour.md §8): cron (5 fields, IANA zone, DST-correct through Cronos), interval (anchor + every N;
/// 24 h or more keeps the wall-clock time across DST) and rrule (RFC 5545 through Ical.Net).
/// </summary>
internal static class ScheduleCalculator
{
    /// <summary>The scheduler keeps at least this many future runs...</summary>
    public const int MinRuns = 3;

    /// <summary>...and never more than this many.</summary>
    public const int MaxRuns = 100;

    /// <summary>It looks at least this far ahead...</summary>
    public static readonly TimeSpan MinAhead = TimeSpan.FromHours(1);

    /// <summary>...and never further.</summary>
    public static readonly TimeSpan MaxAhead = TimeSpan.FromDays(100);

    /// <summary>
    /// Checks a schedule; 422 naming the field and why when it is not valid. Intervals below <paramref name="minInterval"/> are refused.
    /// An empty <paramref name="field"/> names the fields themselves ("cron", "timezone"): a schedule that is the whole request body.
    /// </summary>
    public static ScheduleDefinition Validate(ScheduleSpec spec, Guid id, DateTimeOffset now, string field, TimeSpan minInterval)
    {
        var given = new[] { spec.Cron is not null, spec.IntervalSeconds is not null, spec.RRule is not null }.Count(x => x);
        if (given != 1)
        {
            throw new ValidationException(field.Length == 0 ? "schedule" : field, ["give exactly one of cron, interval_seconds or rrule"]);
        }

        if (spec.Timezone is { } named && string.IsNullOrWhiteSpace(named))
        {
            throw new ValidationException(Field(field, "timezone"), ["must not be empty; leave it out for UTC, or name an IANA zone such as Europe/Berlin"]);
        }

        var timezone = spec.Timezone?.Trim() ?? "UTC";
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(timezone, out _))
        {
            throw new ValidationException(Field(field, "timezone"), [$"unknown time zone '{timezone}'; use an IANA name such as Europe/Berlin or America/New_York"]);
        }

        var anchor = spec.Anchor ?? now;
        ScheduleDefinition definition;
        if (spec.Cron is { } cron)
        {
            try
            {
                CronExpression.Parse(cron, CronFormat.Standard);
            }
            catch (CronFormatException ex)
            {
                throw new ValidationException(Field(field, "cron"), [$"'{cron}' is not a 5-field cron expression: {ex.Message}"]);
            }

            definition = new ScheduleDefinition(id, ScheduleDefinition.CronKind, cron.Trim(), null, anchor, null, timezone);
        }
        else if (spec.IntervalSeconds is { } seconds)
        {
            if (!double.IsFinite(seconds) || seconds < minInterval.TotalSeconds || seconds > TimeSpan.FromDays(3650).TotalSeconds)
            {
                throw new ValidationException(Field(field, "interval_seconds"),
                    [$"must be at least {minInterval.TotalSeconds:0.###} s (the server's shortest schedule interval, MinScheduleInterval) and at most 10 years (got {seconds})"]);
            }

            definition = new ScheduleDefinition(id, ScheduleDefinition.IntervalKind, null, seconds, anchor, null, timezone);
        }
        else
        {
            var rule = NormalizeRRule(spec.RRule!, field);
            definition = new ScheduleDefinition(id, ScheduleDefinition.RRuleKind, null, null, anchor, rule, timezone);
            try
            {
                _ = Occurrences(definition, now).FirstOrDefault();
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException or NotSupportedException)
            {
                throw new ValidationException(Field(field, "rrule"), [$"'{spec.RRule}' is not a valid RFC 5545 rule: {ex.Message}"]);
            }
        }

        return definition;
    }

    private static string Field(string field, string name) => field.Length == 0 ? name : $"{field}.{name}";

    /// <summary>The schedule's times strictly after <paramref name="after"/>, in increasing order (finite for COUNT/UNTIL rules).</summary>
    public static IEnumerable<DateTimeOffset> Occurrences(ScheduleDefinition schedule, DateTimeOffset after) => schedule.Kind switch
    {
        ScheduleDefinition.CronKind => CronOccurrences(schedule, after),
        ScheduleDefinition.IntervalKind => IntervalOccurrences(schedule, after),
        _ => RRuleOccurrences(schedule, after),
    };

    /// <summary>
    /// The future runs to keep (docs/behaviour.md §8): from <paramref name="now"/> on, at least <see cref="MinRuns"/> runs and
    /// <see cref="MinAhead"/> ahead, at most <see cref="MaxRuns"/> runs and <see cref="MaxAhead"/> ahead.
    /// </summary>
    public static IReadOnlyList<DateTimeOffset> Window(ScheduleDefinition schedule, DateTimeOffset now)
    {
        var times = new List<DateTimeOffset>();
        foreach (var time in Occurrences(schedule, now))
        {
            if (time > now + MaxAhead || times.Count >= MaxRuns)
            {
                break;
            }

            times.Add(time);
            if (times.Count >= MinRuns && time >= now + MinAhead)
            {
                break;
            }
        }

        return times;
    }

    /// <summary>The times in (<paramref name="from"/>, <paramref name="to"/>], at most <paramref name="limit"/> of them (the latest kept).</summary>
    public static IReadOnlyList<DateTimeOffset> Between(ScheduleDefinition schedule, DateTimeOffset from, DateTimeOffset to, int limit)
    {
        var times = new Queue<DateTimeOffset>();
        var seen = 0;
        foreach (var time in Occurrences(schedule, from))
        {
            if (time > to || ++seen > 100_000)
            {
                break;
            }

            times.Enqueue(time);
            if (times.Count > limit)
            {
                times.Dequeue();
            }
        }

        return times.ToList();
    }

    private static IEnumerable<DateTimeOffset> CronOccurrences(ScheduleDefinition schedule, DateTimeOffset after)
    {
        var expression = CronExpression.Parse(schedule.Cron!, CronFormat.Standard);
        var zone = schedule.Zone;
        var cursor = after;
        while (expression.GetNextOccurrence(cursor, zone, inclusive: false) is { } next)
        {
            yield return next.ToUniversalTime();
            cursor = next;
        }
    }

    private static IEnumerable<DateTimeOffset> IntervalOccurrences(ScheduleDefinition schedule, DateTimeOffset after)
    {
        var interval = TimeSpan.FromSeconds(schedule.IntervalSeconds!.Value);
        var anchor = schedule.Anchor.ToUniversalTime();
        if (interval < TimeSpan.FromHours(24))
        {
            // Short intervals are absolute: every N seconds of real time, whatever the clocks do.
            var k = after < anchor ? 0 : (long)Math.Floor((after - anchor) / interval) + 1;
            for (; ; k++)
            {
                var time = anchor + (interval * k);
                if (time > after)
                {
                    yield return time;
                }
            }
        }

        // A day or more keeps the wall-clock time: the anchor's local time plus k intervals, read in the zone.
        var zone = schedule.Zone;
        var localAnchor = TimeZoneInfo.ConvertTime(anchor, zone).DateTime;
        var start = after < anchor ? 0 : Math.Max(0, (long)Math.Floor((after - anchor) / interval) - 1);
        for (var k = start; ; k++)
        {
            var time = FromLocal(localAnchor + (interval * k), zone);
            if (time > after)
            {
                yield return time;
            }
        }
    }

    private static IEnumerable<DateTimeOffset> RRuleOccurrences(ScheduleDefinition schedule, DateTimeOffset after)
    {
        var zone = schedule.Zone;
        var localAnchor = TimeZoneInfo.ConvertTime(schedule.Anchor, zone).DateTime;
        var calendarEvent = new CalendarEvent { DtStart = new CalDateTime(DateTime.SpecifyKind(localAnchor, DateTimeKind.Unspecified), schedule.Timezone, true) };
        calendarEvent.RecurrenceRule = new RecurrencePattern(schedule.RRule!);
        var localAfter = TimeZoneInfo.ConvertTime(after < schedule.Anchor ? schedule.Anchor : after, zone).DateTime;
        var from = new CalDateTime(DateTime.SpecifyKind(localAfter, DateTimeKind.Unspecified), schedule.Timezone, true);
        foreach (var occurrence in calendarEvent.GetOccurrences(from, null))
        {
            var time = new DateTimeOffset(DateTime.SpecifyKind(occurrence.Period.StartTime.AsUtc, DateTimeKind.Utc));
            if (time > after)
            {
                yield return time;
            }
        }
    }

    /// <summary>A wall-clock time in a zone: a time in a spring-forward gap moves forward; a repeated time takes its first occurrence.</summary>
    private static DateTimeOffset FromLocal(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }

    private static string NormalizeRRule(string rule, string field)
    {
        var text = rule.Trim();
        if (text.StartsWith("RRULE:", StringComparison.OrdinalIgnoreCase))
        {
            text = text[6..];
        }

        if (!text.Contains("FREQ=", StringComparison.OrdinalIgnoreCase))
        {
            throw new ValidationException(Field(field, "rrule"), [$"'{rule}' has no FREQ; write e.g. FREQ=DAILY;BYHOUR=9;BYMINUTE=0"]);
        }

        return text;
    }
}
