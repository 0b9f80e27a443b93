using System.Globalization;
using System.Text.RegularExpressions;

namespace Bosun.Cli.Input;

/// <summary>`--start-in 5m|2h|30s|1h30m` and `--start-at 2025-01-05T14:00:00+01:00`.</summary>
internal static partial class StartTime
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

    public static TimeSpan ParseDuration(string text)
    {
        var match = DurationPattern().Match(text.Trim());
        if (!match.Success || match.Length == 0)
        {
            throw new CliException($"--start-in '{text}' is not a duration; write it like 30s, 5m, 2h, 1d or 1h30m.");
        }

        var total = TimeSpan.Zero;
        foreach (Capture capture in match.Groups["part"].Captures)
        {
            var value = double.Parse(capture.Value[..^1], CultureInfo.InvariantCulture);
            total += char.ToLowerInvariant(capture.Value[^1]) switch
            {
                's' => TimeSpan.FromSeconds(value),
                'm' => TimeSpan.FromMinutes(value),
                'h' => TimeSpan.FromHours(value),
                _ => TimeSpan.FromDays(value),
            };
        }

        return total;
    }

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?[smhdSMHD])+$")]
    private static partial Regex DurationPattern();
}
