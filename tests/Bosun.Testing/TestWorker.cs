using Bosun.Client;
using Bosun.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bosun.Testing;

/// <summary>A real worker hosted in the test process, polling a <see cref="TestServer"/>.</summary>
public sealed class TestWorker : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly BosunClient _client;

    private TestWorker(IHost host, BosunClient client, WorkerOptions options)
    {
        _host = host;
        _client = client;
        Options = options;
    }

    public WorkerOptions Options { get; }

    public static async Task<TestWorker> StartAsync(TestServer server, WorkerOptions options, string? apiKey = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(options);
        var client = new BosunClient(new BosunClientOptions { ApiUrl = server.ApiUrl, MaxAttempts = 2, ApiKey = apiKey });
        using var loggers = LoggerFactory.Create(_ => { });
        var pool = await WorkerBootstrap.PreparePoolAsync(client, options, loggers.CreateLogger("bootstrap"), TimeProvider.System);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddBosunWorker(options, pool, client);
        var host = builder.Build();
        await host.StartAsync();
        return new TestWorker(host, client, options);
    }

    /// <summary>Stops the worker as Ctrl+C would: drain, then stop what is left.</summary>
    public Task StopAsync() => _host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        _client.Dispose();
    }
}
