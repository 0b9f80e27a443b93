using Bosun.Client;
using Bosun.Server;
using Bosun.Server.Orchestration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bosun.Testing;

/// <summary>A real Bosun server on 127.0.0.1 (a free port) with a SQLite file in a temporary folder, and a client for it.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly bool _ownsDirectory;

    private TestServer(BosunServer server, BosunClient client, string directory, bool ownsDirectory)
    {
        Server = server;
        Client = client;
        Directory = directory;
        _ownsDirectory = ownsDirectory;
    }

    public BosunServer Server { get; }

    public BosunClient Client { get; }

    /// <summary>The folder holding the database; removed on dispose unless the caller passed it in.</summary>
    public string Directory { get; }

    public string DatabasePath => Path.Combine(Directory, "bosun.db");

    public Uri ApiUrl => Server.ApiAddress;

    /// <param name="timeProvider">The server's clock; the system clock when null.</param>
    /// <param name="configure">Changes to the server's options.</param>
    /// <param name="directory">The folder of the database; a new temporary one when null.</param>
    /// <param name="services">Changes to the server's services, after its own registrations (e.g. a decorator that counts calls).</param>
    public static async Task<TestServer> StartAsync(TimeProvider? timeProvider = null, Action<BosunServerOptions>? configure = null, string? directory = null,
        Action<IServiceCollection>? services = null)
    {
        var ownsDirectory = directory is null;
        directory ??= TempDirectory.Create("bosun-server");
        // The same folder means the same database: a restarted test server finds its data again (SQLite file or PostgreSQL database).
        var database = await TestDatabases.ForDirectoryAsync(directory);
        var options = new BosunServerOptions { Host = "127.0.0.1", Port = 0, Database = database, KeyFile = Path.Combine(directory, "bosun.key") };
        configure?.Invoke(options);
        var server = BosunServer.Create(options, builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            if (timeProvider is not null)
            {
                builder.Services.AddSingleton(timeProvider);
            }

            services?.Invoke(builder.Services);
        });
        await server.StartAsync();
        var client = new BosunClient(new BosunClientOptions { ApiUrl = server.ApiAddress, MaxAttempts = 1 });
        return new TestServer(server, client, directory, ownsDirectory);
    }

    /// <summary>A second client for the same server (e.g. one per concurrent worker), optionally with an API key.</summary>
    public BosunClient NewClient(string? apiKey = null) => new(new BosunClientOptions { ApiUrl = Server.ApiAddress, MaxAttempts = 1, ApiKey = apiKey });

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.StopAsync();
        await Server.DisposeAsync();
        if (_ownsDirectory)
        {
            await TestDatabases.DeleteDirectoryAsync(Directory);
        }
    }
}
