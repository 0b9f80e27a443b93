using Bosun.Testing;

namespace Bosun.Contract.Tests;

/// <summary>
/// Node and the npm packages of <c>client/package.json</c> (Redocly CLI, openapi-typescript, openapi-fetch, TypeScript),
/// installed once per test run with <c>npm ci</c> from the committed lock file. Without node or npm the tests skip, saying
/// why, except under CI=true, where they fail (scripts/ci-setup/40-node.sh installs them).
/// </summary>
internal static class NodeTools
{
    private static readonly Lazy<Task> Installed = new(InstallAsync);

    private static readonly string[] Tools = ["node", "npm"];

    public static string ClientDirectory { get; } = Path.Combine(RepoPaths.Root, "tests", "Bosun.Contract.Tests", "client");

    /// <summary>Skips (or, under CI, fails) without node and npm; then makes sure the packages are installed.</summary>
    public static async Task RequireAsync()
    {
        var missing = Tools.Where(tool => Find(tool) is null).ToList();
        if (missing.Count > 0)
        {
            var problem = $"{string.Join(" and ", missing)} not found on PATH; run scripts/ci-setup/40-node.sh to install them.";
            Assert.False(TestEnvironment.InCi, problem);
            Skip.If(true, problem);
        }

        await Installed.Value;
    }

    /// <summary>Runs a tool of the client folder (node_modules/.bin) or node itself there; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string tool, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var local = Path.Combine(ClientDirectory, "node_modules", ".bin", tool);
        // Tests talk to 127.0.0.0/8 only: no usage telemetry, no update check.
        var quiet = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>())
        {
            ["REDOCLY_TELEMETRY"] = "off",
            ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true",
            ["DO_NOT_TRACK"] = "1",
            ["NO_UPDATE_NOTIFIER"] = "1",
        };
        await using var process = ChildProcess.Start(File.Exists(local) ? local : Find(tool) ?? tool, arguments, quiet, ClientDirectory);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromMinutes(5));
        return (exitCode, process.OutputText);
    }

    private static async Task InstallAsync()
    {
        // npm writes node_modules/.package-lock.json on each install: older than the lock file means the packages changed since.
        var installed = new FileInfo(Path.Combine(ClientDirectory, "node_modules", ".package-lock.json"));
        if (installed.Exists && installed.LastWriteTimeUtc >= File.GetLastWriteTimeUtc(Path.Combine(ClientDirectory, "package-lock.json")))
        {
            return;
        }

        var (exitCode, output) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"]);
        Assert.True(exitCode == 0, $"npm ci in {ClientDirectory} failed:\n{output}");
    }

    private static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, tool))
            .FirstOrDefault(File.Exists);
}
