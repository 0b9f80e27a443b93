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

    [Fact]
    public async Task Start_InAFolderWithSubfolders_WatchesNoFile()
    {
        // A service's folder, or /, has many folders under it; the host used to watch every one of them for appsettings.json
        // changes (one inotify watch each), woken by every write below it, the store's own included.
        var directory = TempDirectory.Create("bosun-server-watch");
        for (var i = 0; i < 30; i++)
        {
            Directory.CreateDirectory(Path.Combine(directory, $"folder-{i}", "inner"));
        }

        var database = await TestDatabases.ForDirectoryAsync(directory);
        await using var process = ChildProcess.StartCli(
            ["server", "start", "--port", "0", "--database", database, "--key-file", Path.Combine(directory, "bosun.key")], workingDirectory: directory);
        await process.WaitForLineAsync("is running at");

        // Every inotify instance of the process and its watches: /proc/PID/fdinfo has one "inotify wd:" line per watch.
        var watches = Directory.GetFiles($"/proc/{process.Id}/fd")
            .Where(fd => new FileInfo(fd).LinkTarget?.Contains("inotify", StringComparison.Ordinal) == true)
            .Sum(fd => File.ReadLines($"/proc/{process.Id}/fdinfo/{Path.GetFileName(fd)}").Count(line => line.StartsWith("inotify wd:", StringComparison.Ordinal)));
        Assert.Equal(0, watches);
        process.Terminate();
        await process.WaitForExitAsync();
        await TestDatabases.DeleteDirectoryAsync(directory);
    }
}
