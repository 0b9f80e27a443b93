using System.Globalization;

namespace Bosun.Contracts;

/// <summary>
/// Durations as people type them, for the CLI and the server's settings alike: seconds (<c>90</c>, <c>0.5</c>), units
/// (<c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c>, combined as <c>1h30m</c>) or a time span (<c>00:01:30</c>).
/// </summary>
public static class Durations
{
    /// <summary>How a duration is written, for error messages: "write it like 90, 30s, 5m, 1h30m or 00:01:30".</summary>
    public const string Examples = "90, 30s, 5m, 1h30m or 00:01:30";

    /// <summary>Parses <paramref name="text"/>; false when it is not a finite, non-negative duration.</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
        {
            return false;
        }

        if (double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            return FromSeconds(seconds, out duration);
        }

        if (value.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero;
        }

        var total = 0.0;
        var position = 0;
        while (position < value.Length)
        {
            var start = position;
            while (position < value.Length && (char.IsAsciiDigit(value[position]) || value[position] == '.'))
            {
                position++;
            }

            var unitStart = position;
            while (position < value.Length && char.IsAsciiLetter(value[position]))
            {
                position++;
            }

            if (unitStart == start || !double.TryParse(value[start..unitStart], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            double? unit = value[unitStart..position].ToLowerInvariant() switch
            {
                "ms" => 0.001,
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                "d" => 86_400,
                _ => null,
            };
            if (unit is null)
            {
                return false;
            }

            total += number * unit.Value;
        }

        return FromSeconds(total, out duration);
    }

    private static bool FromSeconds(double seconds, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (!double.IsFinite(seconds) || seconds < 0 || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
