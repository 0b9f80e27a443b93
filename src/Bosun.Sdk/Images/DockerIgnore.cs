using System.Text;
using System.Text.RegularExpressions;

namespace Bosun.Sdk.Images;

/// <summary>
/// The project's <c>.dockerignore</c>, as the Docker CLI reads it: one pattern a line (<c>*</c>, <c>?</c>, <c>**</c>),
/// <c>#</c> comments, <c>!</c> exceptions; a pattern that matches a folder excludes what is inside; the last match wins.
/// </summary>
internal sealed class DockerIgnore
{
    private readonly List<(Regex Pattern, bool Exception)> _rules;

    private DockerIgnore(List<(Regex Pattern, bool Exception)> rules) => _rules = rules;

    public static DockerIgnore Load(string contextDirectory)
    {
        var path = Path.Combine(contextDirectory, ".dockerignore");
        return File.Exists(path) ? Parse(File.ReadAllLines(path)) : new DockerIgnore([]);
    }

    public static DockerIgnore Parse(IEnumerable<string> lines)
    {
        var rules = new List<(Regex, bool)>();
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var exception = line.StartsWith('!');
            var pattern = (exception ? line[1..] : line).Trim().Replace('\\', '/').TrimStart('/');
            while (pattern.StartsWith("./", StringComparison.Ordinal))
            {
                pattern = pattern[2..];
            }

            pattern = pattern.TrimEnd('/');
            if (pattern.Length > 0)
            {
                rules.Add((new Regex(ToRegex(pattern), RegexOptions.CultureInvariant), exception));
            }
        }

        return new DockerIgnore(rules);
    }

    /// <summary>True when <paramref name="relativePath"/> (forward slashes) is left out of the build context.</summary>
    public bool Excludes(string relativePath)
    {
        var excluded = false;
        foreach (var (pattern, exception) in _rules)
        {
            if (MatchesSelfOrParent(pattern, relativePath))
            {
                excluded = !exception;
            }
        }

        return excluded;
    }

    private static bool MatchesSelfOrParent(Regex pattern, string path)
    {
        for (var candidate = path; candidate.Length > 0; candidate = candidate.LastIndexOf('/') is var slash and > 0 ? candidate[..slash] : "")
        {
            if (pattern.IsMatch(candidate))
            {
                return true;
            }
        }

        return false;
    }

    private static string ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                // "**/" matches any number of folders, including none.
                var slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                regex.Append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else
            {
                regex.Append(c switch
                {
                    '*' => "[^/]*",
                    '?' => "[^/]",
                    _ => Regex.Escape(c.ToString()),
                });
            }
        }

        return regex.Append('$').ToString();
    }
}
