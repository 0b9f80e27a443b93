using System.Text.Json.Nodes;
using Bosun.Cli.Input;
using Bosun.Cli.Output;

namespace Bosun.Cli.Tests;

/// <summary>The small parsers and formatters behind the options and tables.</summary>
public sealed class InputParsingTests
{
    [Theory]
    [InlineData("repoName=dotnet/runtime", "repoName", "\"dotnet/runtime\"")]
    [InlineData("count=3", "count", "3")]
    [InlineData("flag=true", "flag", "true")]
    [InlineData("items=[1,\"a\"]", "items", "[1,\"a\"]")]
    [InlineData("nested={\"a\":1}", "nested", "{\"a\":1}")]
    [InlineData("text=\"3\"", "text", "\"3\"")]
    [InlineData("empty=", "empty", "\"\"")]
    [InlineData("eq=a=b", "eq", "\"a=b\"")]
    [InlineData("env.TOKEN=x", "env.TOKEN", "\"x\"")]
    public void KeyValueParse_Value_JsonElseString(string pair, string key, string json)
    {
        var parsed = KeyValueArguments.Parse([pair], "--param");

        Assert.Equal(json, parsed[key]?.ToJsonString() ?? "null");
    }

    [Fact]
    public void KeyValueParse_NullLiteral_ExplicitNull()
    {
        var parsed = KeyValueArguments.Parse(["value=null"], "--param");

        Assert.True(parsed.ContainsKey("value"));
        Assert.Null(parsed["value"]);
    }

    [Fact]
    public void KeyValueParse_LaterWins_OverExisting()
    {
        var parsed = KeyValueArguments.Parse(["a=2"], "--param", new JsonObject { ["a"] = 1, ["b"] = 1 });

        Assert.Equal("{\"a\":2,\"b\":1}", parsed.ToJsonString());
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("2h", 7200)]
    [InlineData("1d", 86400)]
    [InlineData("1h30m", 5400)]
    [InlineData("1.5h", 5400)]
    public void ParseDuration_Forms_Seconds(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), StartTime.ParseDuration(text));
    }

    [Theory]
    [InlineData("5", 5)]
    [InlineData("0.5", 0.5)]
    [InlineData("500ms", 0.5)]
    [InlineData("00:01:30", 90)]
    public void ParseDuration_SecondsAndTimeSpans_Seconds(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), StartTime.ParseDuration(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("5 minutes")]
    [InlineData("m5")]
    [InlineData("-5m")]
    [InlineData("abc")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e400")]
    public void ParseDuration_NotADuration_CliExceptionNamingTheOption(string text)
    {
        var error = Assert.Throws<CliException>(() => StartTime.ParseDuration(text, "--interval"));

        Assert.StartsWith($"--interval '{text}' is not a duration", error.Message, StringComparison.Ordinal);
        Assert.Contains("30s, 5m", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "just now")]
    [InlineData(-2, "just now")]
    [InlineData(30, "in 30 seconds")]
    [InlineData(-120, "2 minutes ago")]
    [InlineData(299.9, "in 5 minutes")]
    [InlineData(-3600, "1 hour ago")]
    [InlineData(5 * 3600, "in 5 hours")]
    [InlineData(-3 * 86400, "3 days ago")]
    [InlineData(90 * 86400, "in 3 months")]
    [InlineData(-800 * 86400, "2 years ago")]
    public void RelativeTimeFormat_Offsets_AsPeopleSayThem(double seconds, string expected)
    {
        var now = new DateTimeOffset(2025, 1, 5, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(expected, RelativeTime.Format(now.AddSeconds(seconds), now));
    }

    [Theory]
    [InlineData(4.24, "4.2s")]
    [InlineData(65, "1m 05s")]
    [InlineData(3 * 3600 + 120, "3h 02m")]
    public void RelativeTimeDuration_Seconds_Compact(double seconds, string expected)
    {
        Assert.Equal(expected, RelativeTime.Duration(seconds));
    }
}
