using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;

namespace Bosun.Bench.Peers.Bosun;

/// <summary>Creates Bosun's jobs: one run of the served deployment per job, through the API.</summary>
internal sealed class BosunProducer(Uri apiUrl) : IJobProducer
{
    private static readonly StateType[] Unfinished = [.. Enum.GetValues<StateType>().Where(s => !s.IsTerminal())];
    private readonly BosunClient _client = new(new BosunClientOptions { ApiUrl = apiUrl });
    private Guid? _deploymentId;

    public async Task CreateAsync(int index, DateTimeOffset? due, CancellationToken cancellationToken)
    {
        _deploymentId ??= (await _client.GetDeploymentByNameAsync(PeerFlows.FullName, cancellationToken)).Id;
        await _client.CreateFlowRunAsync(_deploymentId.Value, new FlowRunCreate(new JsonObject { ["i"] = index }, ScheduledStartTime: due), cancellationToken);
    }

    public async Task<long> CountUnfinishedAsync(CancellationToken cancellationToken) =>
        (await _client.ListFlowRunsAsync(new FlowRunFilter(States: Unfinished, Limit: 1), cancellationToken)).Total;

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
