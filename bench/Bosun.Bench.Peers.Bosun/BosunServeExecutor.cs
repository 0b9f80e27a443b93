using Bosun.Client;
using Bosun.Sdk;

namespace Bosun.Bench.Peers.Bosun;

/// <summary>The process that executes Bosun's jobs: serves the trivial flow in-process with limit 8.</summary>
internal sealed class BosunServeExecutor(Uri apiUrl) : IJobExecutor
{
    private readonly BosunClient _client = new(new BosunClientOptions { ApiUrl = apiUrl });
    private readonly CancellationTokenSource _stop = new();
    private Task? _serving;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _serving = Flows.Get(PeerFlows.Noop).ServeAsync(PeerFlows.DeploymentName,
            new ServeOptions { InProcess = true, Limit = 8, Client = _client, Output = TextWriter.Null }, _stop.Token);
        // Serving has begun once its deployment exists: the producer looks it up by name.
        while (true)
        {
            try
            {
                await _client.GetDeploymentByNameAsync(PeerFlows.FullName, cancellationToken);
                return;
            }
            catch (BosunApiException)
            {
                await Task.Delay(20, cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_serving is not null)
        {
            await _serving;
        }

        _client.Dispose();
        _stop.Dispose();
    }
}
