using System.Diagnostics;
using Npgsql;

namespace Bosun.Testing;

/// <summary>
/// A PostgreSQL cluster of a test's own (initdb into a temporary folder, a free port on 127.0.0.1), so that a test can
/// stop and restart the database without disturbing other tests. Needs root (it runs the server as the postgres user)
/// and Debian's postgresql package.
/// </summary>
public sealed class PrivatePostgresCluster : IAsyncDisposable
{
    private const string Password = "bosun-private";
    private readonly string _bin;
    private readonly string _directory;

    private PrivatePostgresCluster(string bin, string directory, int port)
    {
        _bin = bin;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=bosun;Password={Password};Database=bosun;Timeout=3;Command Timeout=10";

    private string Data => Path.Combine(_directory, "data");

    /// <summary>Null (with the reason) when this machine cannot run a private cluster.</summary>
    public static string? Unavailable()
    {
        if (Environment.UserName != "root")
        {
            return "a private PostgreSQL cluster needs root (to run it as the postgres user)";
        }

        return FindBin() is null ? "PostgreSQL's server binaries are not installed (apt-get install postgresql)" : null;
    }

    public static async Task<PrivatePostgresCluster> StartAsync()
    {
        var bin = FindBin() ?? throw new InvalidOperationException(Unavailable());
        var directory = Path.Combine("/tmp", $"bosun-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var cluster = new PrivatePostgresCluster(bin, directory, StablePorts.Next());
        await RunAsync("chown", "postgres:postgres", directory);
        var passwordFile = Path.Combine(directory, "pw");
        await File.WriteAllTextAsync(passwordFile, Password);
        await RunAsync("chown", "postgres", passwordFile);
        await RunAsync("runuser", "-u", "postgres", "--", Path.Combine(bin, "initdb"), "-D", cluster.Data, "-U", "bosun", "--pwfile", passwordFile,
            "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8");
        await cluster.StartServerAsync();
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = "postgres" }.ConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand("CREATE DATABASE bosun", connection);
        await create.ExecuteNonQueryAsync();
        return cluster;
    }

    /// <summary>Starts (or restarts after <see cref="StopServerAsync"/>) the server and waits until it accepts connections.</summary>
    public Task StartServerAsync() => RunAsync("runuser", "-u", "postgres", "--", Path.Combine(_bin, "pg_ctl"), "-D", Data, "-l", Path.Combine(_directory, "log"), "-w",
        "-o", $"-c listen_addresses=127.0.0.1 -p {Port} -k {_directory} -c fsync=off -c synchronous_commit=off", "start");

    /// <summary>Stops the server (fast: disconnects every client).</summary>
    public Task StopServerAsync() => RunAsync("runuser", "-u", "postgres", "--", Path.Combine(_bin, "pg_ctl"), "-D", Data, "-m", "fast", "-w", "stop");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopServerAsync();
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        TempDirectory.Delete(_directory);
    }

    private static string? FindBin() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "pg_ctl"))).OrderDescending().FirstOrDefault()
            : null;

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await output}{await error}");
        }
    }
}
