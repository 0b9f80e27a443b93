using Bosun.Contracts;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Server.Storage;

namespace Bosun.Server.Orchestration.FlowRuns;

/// <summary>What the web UI's dashboard reads: run counts by state, and the Late runs.</summary>
internal sealed class FlowRunSummaries(BosunDatabase database)
{
    public Task<IReadOnlyDictionary<StateType, int>> CountByStateAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => FlowRunSummaryStore.CountByStateAsync(connection, since, cancellationToken), cancellationToken);

    public Task<Page<FlowRunSummary>> LateAsync(int limit, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => FlowRunSummaryStore.LateAsync(connection, limit, cancellationToken), cancellationToken);
}
