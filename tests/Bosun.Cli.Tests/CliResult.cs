using System.Text.Json;

namespace Bosun.Cli.Tests;

/// <summary>What one in-process `bosun` invocation did: its exit code, stdout and stderr.</summary>
public sealed record CliResult(int ExitCode, string Out, string Err)
{
    /// <summary>Asserts exit code 0 and an empty stderr, showing both streams when it fails.</summary>
    public CliResult Succeeded()
    {
        Assert.True(ExitCode == 0 && Err.Length == 0, $"Expected success, got exit code {ExitCode}.\nstdout:\n{Out}\nstderr:\n{Err}");
        return this;
    }

    /// <summary>Asserts exit code 1 and exactly one "Error: ..." line on stderr containing each fragment.</summary>
    public CliResult FailedWith(params string[] fragments)
    {
        Assert.True(ExitCode == 1, $"Expected exit code 1, got {ExitCode}.\nstdout:\n{Out}\nstderr:\n{Err}");
        var lines = Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"Expected one line on stderr, got {lines.Length}:\n{Err}");
        Assert.StartsWith("Error: ", lines[0], StringComparison.Ordinal);
        foreach (var fragment in fragments)
        {
            Assert.Contains(fragment, lines[0], StringComparison.Ordinal);
        }

        return this;
    }

    /// <summary>Parses stdout as one JSON document (so nothing else was written there).</summary>
    public JsonElement Json()
    {
        Succeeded();
        using var document = JsonDocument.Parse(Out);
        return document.RootElement.Clone();
    }
}
