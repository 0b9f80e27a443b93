using Bosun.Client;
using Bosun.Server;
using Bosun.Server.Orchestration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bosun.Testing;

/// <summary>A real Bosun server on 127.0.0.1 (a free port) with a SQLite file in a temporary folder, and a client for it.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly bool _ownsDirectory;
    private readonly BosunServerOptions _options;
    private readonly TimeProvider? _timeProvider;
    private readonly Action<IServiceCollection>? _services;

    private TestServer(BosunServer server, BosunClient client, string directory, bool ownsDirectory, BosunServerOptions options, TimeProvider? timeProvider,
        Action<IServiceCollection>? services)
    {
        Server = server;
        Client = client;
        Directory = directory;
        _ownsDirectory = ownsDirectory;
        _options = options;
        _timeProvider = timeProvider;
        _services = services;
    }

    public BosunServer Server { get; private set; }

    /// <summary>False between <see cref="StopAsync"/> and <see cref="RestartAsync"/>.</summary>
    public bool IsRunning { get; private set; } = true;

    public BosunClient Client { get; }

    /// <summary>The running server's background service of type <typeparamref name="T"/> (a sweep a test runs itself, say).</summary>
    public T HostedService<T>() => Server.Services.GetServices<IHostedService>().OfType<T>().Single();

    /// <summary>The folder holding the database; removed on dispose unless the caller passed it in.</summary>
    public string Directory { get; }

    public string DatabasePath => Path.Combine(Directory, "bosun.db");

    public Uri ApiUrl => Server.ApiAddress;

    /// <param name="timeProvider">The server's clock.</param>
    /// <param name="configure">Changes to the server's options.</param>
    /// <param name="directory">The folder of the store: the same folder means the same database.</param>
    /// <param name="postgres">The store: PostgreSQL or SQLite; null follows BOSUN_TEST_STORE.</param>
    /// <param name="services">Changes to the server's services, after its own registrations (e.g. a decorator that counts calls).</param>
    public static async Task<TestServer> StartAsync(TimeProvider? timeProvider = null, Action<BosunServerOptions>? configure = null, string? directory = null,
        bool? postgres = null, Action<IServiceCollection>? services = null)
    {
        var ownsDirectory = directory is null;
        directory ??= TempDirectory.Create("bosun-server");
        // The same folder means the same database: a restarted test server finds its data again (SQLite file or PostgreSQL database).
        var database = await TestDatabases.ForDirectoryAsync(directory, postgres);
        // Restarts listen on the port picked now, so that clients and workers find the server again where they left it; a
        // port outside the ephemeral range stays free while the server is away (StablePorts).
        var options = new BosunServerOptions { Host = "127.0.0.1", Port = StablePorts.Next(), Database = database, KeyFile = Path.Combine(directory, "bosun.key") };
        configure?.Invoke(options);
        var server = Create(options, timeProvider, services);
        await server.StartAsync();
        options.Port = server.ApiAddress.Port;
        var client = new BosunClient(new BosunClientOptions { ApiUrl = server.ApiAddress, MaxAttempts = 1 });
        var started = new TestServer(server, client, directory, ownsDirectory, options, timeProvider, services);
        await started.FirstSweepsDoneAsync();
        return started;
    }

    /// <summary>
    /// Waits until the server's own sweep loops have made a pass and wait for their next, the scheduler's woken by nothing
    /// since: a sweep the test then calls itself runs alone. A test that moves a clock of its own after a change that wakes
    /// the scheduler (a deployment's schedules) calls it before: on a loaded machine the loop's pass could otherwise begin
    /// after the clock moved, beside the test's own sweep or before it.
    /// </summary>
    public Task SweepLoopsIdleAsync() =>
        Eventually.WaitUntilAsync(
            () => Task.FromResult(Server.Services.GetServices<IHostedService>().OfType<PeriodicStoreService>().All(loop => loop.Idle)),
            "the server's sweep loops wait for their next pass");

    /// <summary>
    /// On a clock of the test's own, the loops' first passes done (<see cref="SweepLoopsIdleAsync"/>): each is made once the
    /// host has started, which a loaded machine can delay past the test's first move of the clock, when a late first pass
    /// judged the moved time (a run marked Late before the test's own sweep of it, which then found nothing to do).
    /// </summary>
    private Task FirstSweepsDoneAsync() => _timeProvider is null ? Task.CompletedTask : SweepLoopsIdleAsync();

    /// <summary>Stops the server as a shutdown would (the store and the port are kept for <see cref="RestartAsync"/>).</summary>
    public async Task StopAsync()
    {
        IsRunning = false;
        await Server.StopAsync();
        await Server.DisposeAsync();
    }

    /// <summary>Starts the server again on the same store and port, after <see cref="StopAsync"/>.</summary>
    public async Task RestartAsync()
    {
        Server = Create(_options, _timeProvider, _services);
        await Server.StartAsync();
        IsRunning = true;
        await FirstSweepsDoneAsync();
    }

    private static BosunServer Create(BosunServerOptions options, TimeProvider? timeProvider, Action<IServiceCollection>? services) => BosunServer.Create(options, builder =>
    {
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (timeProvider is not null)
        {
            builder.Services.AddSingleton(timeProvider);
        }

        services?.Invoke(builder.Services);
    });

    /// <summary>A second client for the same server (e.g. one per concurrent worker), optionally with an API key.</summary>
    public BosunClient NewClient(string? apiKey = null) => new(new BosunClientOptions { ApiUrl = Server.ApiAddress, MaxAttempts = 1, ApiKey = apiKey });

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (IsRunning)
        {
            await StopAsync();
        }

        if (_ownsDirectory)
        {
            await TestDatabases.DeleteDirectoryAsync(Directory);
        }
    }
}
