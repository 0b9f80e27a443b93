using Bosun.Testing;

namespace Bosun.Cli.Tests;

/// <summary>`bosun server start`: its settings from flags, the environment and appsettings.json, checked all at once.</summary>
public sealed class ServerStartCommandTests
{
    [Fact]
    public async Task Start_BadSettingsFromEverySource_OneLineNamingEachAndNothingStarts()
    {
        using var cli = new CliRunner();
        var settings = Path.Combine(cli.Home, "settings.json");
        await File.WriteAllTextAsync(settings, """{"Bosun": {"MissedRunGrace": "soon", "MaxScheduledRunsPerSweep": 0}}""");
        cli.Environment["BOSUN_WORKER_TIMEOUT"] = "abc";

        var result = await cli.RunAsync("server", "start", "--config", settings, "--port", "70000", "--run-heartbeat-timeout", "-5s",
            "--database", Path.Combine(cli.Home, "bosun.db"));

        result.FailedWith("BOSUN_WORKER_TIMEOUT 'abc' is not a duration", "appsettings Bosun:MissedRunGrace 'soon'", "--port '70000'",
            "--run-heartbeat-timeout '-5s'", "appsettings Bosun:MaxScheduledRunsPerSweep '0'");
        Assert.False(File.Exists(Path.Combine(cli.Home, "bosun.db")));
    }

    [Fact]
    public async Task Start_NoAdminKey_PrintsTheBootstrapTokenAndWritesItForTheOwnerOnly()
    {
        var directory = TempDirectory.Create("bosun-server-start");
        var database = await TestDatabases.ForDirectoryAsync(directory);
        var file = Path.Combine(directory, "bootstrap-token");
        await using var process = ChildProcess.StartCli(["server", "start", "--port", "0", "--database", database, "--key-file", Path.Combine(directory, "bosun.key")]);

        var line = await process.WaitForLineAsync("--bootstrap-token bosun_bootstrap_");

        Assert.Contains(file, process.OutputText, StringComparison.Ordinal);
        Assert.Equal(line.Split("--bootstrap-token ")[1].Trim(), (await File.ReadAllTextAsync(file)).Trim());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        process.Terminate();
        await process.WaitForExitAsync();
        await TestDatabases.DeleteDirectoryAsync(directory);
    }
}
