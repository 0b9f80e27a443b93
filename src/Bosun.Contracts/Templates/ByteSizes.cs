using System.Globalization;
using System.Text.RegularExpressions;

namespace Bosun.Contracts.Templates;

/// <summary>Sizes as job variables write them: <c>100</c> (bytes), <c>1024k</c>, <c>512m</c>, <c>512mb</c>, <c>1.5g</c>, <c>1t</c>; binary units, as Docker reads them.</summary>
public static partial class ByteSizes
{
    /// <summary>Parses <paramref name="text"/>; false when it is not a size.</summary>
    /// <param name="text">The size as written.</param>
    /// <param name="bytes">The size in bytes (0 or more).</param>
    /// <returns>Whether it is a size.</returns>
    public static bool TryParse(string? text, out decimal bytes)
    {
        bytes = 0;
        if (text is null || SizePattern().Match(text.Trim()) is not { Success: true } match
            || !decimal.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        var shift = match.Groups[2].Value.ToUpperInvariant() switch
        {
            "K" => 10,
            "M" => 20,
            "G" => 30,
            "T" => 40,
            _ => 0,
        };
        bytes = amount * (1L << shift);
        return true;
    }

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)[bB]?$")]
    private static partial Regex SizePattern();
}
