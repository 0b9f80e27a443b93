using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace Bosun.Testing;

/// <summary>One sample of a Prometheus text scrape: its name, its labels and its value.</summary>
public sealed record PrometheusSample(string Name, Dictionary<string, string> Labels, double Value);

/// <summary>The Prometheus text format as <c>/metrics</c> writes it (docs/operations.md), parsed line by line.</summary>
public static partial class PrometheusText
{
    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""(?<name>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(?:[^"\\]|\\.)*)",?""")]
    private static partial Regex LabelPair();

    /// <summary>Every sample of <paramref name="text"/>; fails on a line that is neither a comment nor a sample.</summary>
    public static List<PrometheusSample> Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                Assert.Matches("^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$", line);
                continue;
            }

            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a Prometheus sample line: {line}");
            var labels = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(pair => pair.Groups["name"].Value, pair => pair.Groups["value"].Value);
            var value = match.Groups["value"].Value;
            samples.Add(new PrometheusSample(match.Groups["name"].Value, labels, value == "+Inf" ? double.PositiveInfinity : double.Parse(value, CultureInfo.InvariantCulture)));
        }

        return samples;
    }

    /// <summary>
    /// A Bosun server's answered requests so far by method and route (<c>POST /api/...</c>), from its request metrics
    /// (<c>http_server_request_duration_seconds_count</c>) on <c>/metrics</c> at <paramref name="serverAddress"/>.
    /// </summary>
    public static async Task<Dictionary<string, double>> RequestCountsAsync(Uri serverAddress)
    {
        using var http = new HttpClient();
        var samples = Parse(await http.GetStringAsync(new Uri(serverAddress, "/metrics")));
        return samples.Where(sample => sample.Name == "http_server_request_duration_seconds_count")
            .GroupBy(sample => $"{sample.Labels.GetValueOrDefault("http_request_method")} {sample.Labels.GetValueOrDefault("http_route")}")
            .ToDictionary(group => group.Key, group => group.Sum(sample => sample.Value));
    }

    /// <summary>The sum of every series of each of <paramref name="names"/> on <c>/metrics</c> at <paramref name="serverAddress"/> (0 when absent).</summary>
    public static async Task<Dictionary<string, double>> SumsAsync(Uri serverAddress, params string[] names)
    {
        using var http = new HttpClient();
        var samples = Parse(await http.GetStringAsync(new Uri(serverAddress, "/metrics")));
        return names.ToDictionary(name => name, name => samples.Where(sample => sample.Name == name).Sum(sample => sample.Value));
    }
}
