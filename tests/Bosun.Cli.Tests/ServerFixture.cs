using Bosun.Client;
using Bosun.Testing;

namespace Bosun.Cli.Tests;

/// <summary>One real server per test class; each test uses its own pool and deployment names.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private TestServer? _server;

    public TestServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public BosunClient Client => Server.Client;

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    public CliRunner NewCli() => new(Server.ApiUrl);

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
