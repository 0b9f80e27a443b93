using Bosun.Testing;

namespace Bosun.Contract.Tests;

/// <summary>Redocly CLI's recommended ruleset (client/redocly.yaml: which rules are off and why) passes on the live document with no warning.</summary>
public sealed class RedoclyLintTests(LiveDocument live) : IClassFixture<LiveDocument>
{
    [SkippableFact]
    public async Task LiveDocument_RedoclyRecommended_NoErrorsNoWarnings()
    {
        await NodeTools.RequireAsync();
        var directory = TempDirectory.Create("bosun-lint");
        var file = Path.Combine(directory, "openapi.json");
        await File.WriteAllTextAsync(file, live.Text);

        var (exitCode, output) = await NodeTools.RunAsync("redocly", ["lint", file, "--config", Path.Combine(NodeTools.ClientDirectory, "redocly.yaml"), "--format", "stylish", "--max-problems", "1000"]);

        Assert.True(exitCode == 0, output);
        Assert.Contains("Your API description is valid", output, StringComparison.Ordinal);
        Assert.DoesNotContain(" warning ", output, StringComparison.Ordinal);
        Directory.Delete(directory, recursive: true);
    }
}
