using Bosun.Client;
using Bosun.Server;
using Bosun.Server.Orchestration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Bosun.Bench;

/// <summary>A real server on 127.0.0.1 over a fresh SQLite file, as in production but in this process.</summary>
internal sealed class BenchServer : IAsyncDisposable
{
    private readonly string _directory;

    private BenchServer(BosunServer server, string directory)
    {
        Server = server;
        _directory = directory;
    }

    public BosunServer Server { get; }

    public static async Task<BenchServer> StartAsync(Action<BosunServerOptions>? configure = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"bosun-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var options = new BosunServerOptions { Host = "127.0.0.1", Port = 0, Database = Path.Combine(directory, "bosun.db") };
        configure?.Invoke(options);
        var server = BosunServer.Create(options, builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        await server.StartAsync();
        return new BenchServer(server, directory);
    }

    public BosunClient NewClient() => new(new BosunClientOptions { ApiUrl = Server.ApiAddress });

    public async ValueTask DisposeAsync()
    {
        await Server.StopAsync();
        await Server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
