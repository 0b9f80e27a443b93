using Bosun.Contracts;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Server.Orchestration;
using Bosun.Server.Orchestration.FlowRuns;
using Bosun.Ui.Backend;
using static Bosun.Server.Ui.UiBackends;

namespace Bosun.Server.Ui;

internal sealed class FlowRunBackend(FlowRunService runs, FlowRunSummaries summaries, RunSignals signals) : IFlowRunBackend
{
    public Task<Page<FlowRunSummary>> ListAsync(FlowRunFilter filter, CancellationToken cancellationToken) => Call(() => runs.ListAsync(filter, cancellationToken));

    public Task<IReadOnlyDictionary<StateType, int>> CountByStateAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        Call(() => summaries.CountByStateAsync(since, cancellationToken));

    public Task<Page<FlowRunSummary>> ListLateAsync(int limit, CancellationToken cancellationToken) => Call(() => summaries.LateAsync(limit, cancellationToken));

    public Task<FlowRun> GetAsync(Guid id, CancellationToken cancellationToken) => Call(() => runs.GetAsync(id, cancellationToken));

    public Task<IReadOnlyList<FlowRunState>> HistoryAsync(Guid id, CancellationToken cancellationToken) => Call(() => runs.HistoryAsync(id, cancellationToken));

    public async Task<FlowRun> CreateAsync(Guid deploymentId, FlowRunCreate request, CancellationToken cancellationToken) =>
        (await Call(() => runs.CreateAsync(deploymentId, request, cancellationToken))).Run;

    public Task<SetStateResult> SetStateAsync(Guid id, StateProposal proposal, CancellationToken cancellationToken) =>
        Call(() => runs.SetStateAsync(id, proposal, cancellationToken));

    public IRunWatch Watch(Guid id) => new Watching(signals.Watch(id));

    /// <summary>A run's signals, as the UI names its changes.</summary>
    private sealed class Watching(RunWatch watch) : IRunWatch
    {
        public Task NextAsync() => watch.NextAsync();

        public RunChanges Take()
        {
            var changes = watch.Take();
            return (changes.HasFlag(RunChange.Lines) ? RunChanges.Lines : RunChanges.None) | (changes.HasFlag(RunChange.State) ? RunChanges.State : RunChanges.None);
        }

        public void Dispose() => watch.Dispose();
    }
}
