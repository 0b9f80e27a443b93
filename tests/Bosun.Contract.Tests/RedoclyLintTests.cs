using Bosun.Testing;

namespace Bosun.Contract.Tests;

/// <summary>
/// Redocly CLI's recommended ruleset (client/redocly.yaml says which rules are off and why) passes with no warning on
/// the live document and on the shipped one (docs/api/openapi.json).
/// </summary>
public sealed class RedoclyLintTests(LiveDocument live) : IClassFixture<LiveDocument>
{
    [SkippableFact]
    public async Task LiveDocument_RedoclyRecommended_NoErrorsNoWarnings()
    {
        await NodeTools.RequireAsync();
        var directory = TempDirectory.Create("bosun-lint");
        var file = Path.Combine(directory, "openapi.json");
        await File.WriteAllTextAsync(file, live.Text);

        await AssertLintCleanAsync(file);
        Directory.Delete(directory, recursive: true);
    }

    [SkippableFact]
    public async Task ShippedDocument_RedoclyRecommended_NoErrorsNoWarnings()
    {
        await NodeTools.RequireAsync();

        await AssertLintCleanAsync(Path.Combine(RepoPaths.Root, "docs", "api", "openapi.json"));
    }

    private static async Task AssertLintCleanAsync(string file)
    {
        var (exitCode, output) = await NodeTools.RunAsync("redocly", ["lint", file, "--config", Path.Combine(NodeTools.ClientDirectory, "redocly.yaml"), "--format", "stylish", "--max-problems", "1000"]);

        Assert.True(exitCode == 0, output);
        Assert.Contains("Your API description is valid", output, StringComparison.Ordinal);
        Assert.DoesNotContain(" warning ", output, StringComparison.Ordinal);
    }
}
