using System.Globalization;

namespace Bosun.Cli.Output;

/// <summary>Times as people say them: "2 minutes ago", "in 5 minutes", "just now"; durations as "1m 05s".</summary>
internal static class RelativeTime
{
    public static string Format(DateTimeOffset? time, DateTimeOffset now)
    {
        if (time is not { } value)
        {
            return "-";
        }

        var delta = value - now;
        var ago = delta < TimeSpan.Zero;
        var span = ago ? -delta : delta;
        if (span < TimeSpan.FromSeconds(5))
        {
            return "just now";
        }

        // Rounded, not truncated: a run due in 4 min 59.9 s is "in 5 minutes", as the user typed --start-in 5m.
        var seconds = Math.Round(span.TotalSeconds);
        var minutes = Math.Round(span.TotalMinutes);
        var hours = Math.Round(span.TotalHours);
        var days = Math.Round(span.TotalDays);
        var amount = seconds < 60 ? Unit(seconds, "second")
            : minutes < 60 ? Unit(minutes, "minute")
            : hours < 24 ? Unit(hours, "hour")
            : days < 60 ? Unit(days, "day")
            : days < 730 ? Unit(Math.Round(span.TotalDays / 30), "month")
            : Unit(Math.Round(span.TotalDays / 365), "year");
        return ago ? $"{amount} ago" : $"in {amount}";
    }

    /// <summary>A local clock time with its relative form, e.g. "2025-01-05 14:03:00 (in 5 minutes)".</summary>
    public static string WithClock(DateTimeOffset? time, DateTimeOffset now, TimeZoneInfo zone) => time is { } value
        ? $"{TimeZoneInfo.ConvertTime(value, zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} ({Format(value, now)})"
        : "-";

    public static string Duration(double seconds)
    {
        var span = TimeSpan.FromSeconds(Math.Max(0, seconds));
        return span switch
        {
            _ when span < TimeSpan.FromMinutes(1) => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.#}s"),
            _ when span < TimeSpan.FromHours(1) => string.Create(CultureInfo.InvariantCulture, $"{span.Minutes}m {span.Seconds:00}s"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h {span.Minutes:00}m"),
        };
    }

    private static string Unit(double count, string unit) =>
        count == 1 ? $"1 {unit}" : string.Create(CultureInfo.InvariantCulture, $"{count:0} {unit}s");
}
