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
    private readonly BosunServerOptions _options;
    private bool _running = true;

    private BenchServer(BosunServer server, string directory, BosunServerOptions options)
    {
        Server = server;
        _directory = directory;
        _options = options;
    }

    public BosunServer Server { get; private set; }

    public static async Task<BenchServer> StartAsync(Action<BosunServerOptions>? configure = null, Action<WebApplicationBuilder>? host = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"bosun-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var options = new BosunServerOptions { Host = "127.0.0.1", Port = 0, Database = Path.Combine(directory, "bosun.db") };
        configure?.Invoke(options);
        var server = host is null ? Create(options) : BosunServer.Create(options, builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            host(builder);
        });
        await server.StartAsync();
        // A restart listens where clients and workers left the server.
        options.Port = server.ApiAddress.Port;
        return new BenchServer(server, directory, options);
    }

    /// <summary>Stops the server (an outage); the database and the port are kept for <see cref="RestartAsync"/>.</summary>
    public async Task StopAsync()
    {
        _running = false;
        await Server.StopAsync();
        await Server.DisposeAsync();
    }

    public async Task RestartAsync()
    {
        Server = Create(_options);
        await Server.StartAsync();
        _running = true;
    }

    private static BosunServer Create(BosunServerOptions options) =>
        BosunServer.Create(options, builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));

    public BosunClient NewClient() => new(new BosunClientOptions { ApiUrl = Server.ApiAddress });

    public async ValueTask DisposeAsync()
    {
        if (_running)
        {
            await StopAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }
}
