using Bosun.Client;
using Bosun.Testing;

namespace Bosun.Postgres.Tests;

/// <summary>A `bosun server start` process on a PostgreSQL database, and a client for it.</summary>
internal sealed class Replica : IAsyncDisposable
{
    private Replica(ChildProcess process, Uri apiUrl)
    {
        Process = process;
        ApiUrl = apiUrl;
        Client = NewClient();
    }

    public ChildProcess Process { get; }

    public Uri ApiUrl { get; }

    public BosunClient Client { get; }

    public static async Task<Replica> StartAsync(string database)
    {
        var process = ChildProcess.StartCli(["server", "start", "--port", "0", "--database", database]);
        var line = await process.WaitForLineAsync("is running at");
        return new Replica(process, new Uri(line[line.IndexOf("http", StringComparison.Ordinal)..].Trim() + "api/"));
    }

    public BosunClient NewClient() => new(new BosunClientOptions { ApiUrl = ApiUrl, MaxAttempts = 1 });

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Process.DisposeAsync();
    }
}
