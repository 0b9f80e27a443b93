using System.Globalization;
using Bosun.Contracts;

namespace Bosun.Cli.Input;

/// <summary>`--start-in 5m|2h|30s|1h30m` and `--start-at 2025-01-05T14:00:00+01:00`.</summary>
internal static class StartTime
{
    public static DateTimeOffset? Resolve(string? startIn, string? startAt, TimeProvider time)
    {
        if (startIn is not null && startAt is not null)
        {
            throw new CliException("Give either --start-in or --start-at, not both.");
        }

        if (startIn is not null)
        {
            return time.GetUtcNow() + ParseDuration(startIn);
        }

        if (startAt is not null)
        {
            return DateTimeOffset.TryParse(startAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var at)
                ? at
                : throw new CliException($"--start-at '{startAt}' is not a time; write it in ISO 8601, e.g. 2025-01-05T14:00:00+01:00.");
        }

        return null;
    }

    /// <summary>A duration the user typed for <paramref name="optionName"/>: 30s, 5m, 2h, 1d, 1h30m, plain seconds or 00:01:30.</summary>
    public static TimeSpan ParseDuration(string text, string optionName = "--start-in") =>
        Durations.TryParse(text, out var duration)
            ? duration
            : throw new CliException($"{optionName} '{text}' is not a duration; write it like {Durations.Examples}.");
}
