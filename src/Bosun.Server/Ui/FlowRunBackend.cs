using Bosun.Contracts;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Results;
using Bosun.Contracts.States;
using Bosun.Server.Domain;
using Bosun.Server.Orchestration;
using Bosun.Contracts.TaskRuns;
using Bosun.Server.Orchestration.FlowRuns;
using Bosun.Server.Orchestration.Metrics;
using Bosun.Server.Orchestration.TaskRuns;
using Bosun.Ui.Backend;
using static Bosun.Server.Ui.UiBackends;

namespace Bosun.Server.Ui;

internal sealed class FlowRunBackend(FlowRunService runs, FlowRunSummaries summaries, TaskRunService taskRuns, RunSignals signals, TimeProvider clock) : IFlowRunBackend
{
    public Task<Page<FlowRunSummary>> ListAsync(FlowRunFilter filter, CancellationToken cancellationToken) => Call(() => runs.ListAsync(filter, cancellationToken));

    public async Task<IReadOnlyList<RunStateBucket>> CountByStateOverTimeAsync(DateTimeOffset from, DateTimeOffset to, TimeSpan width, CancellationToken cancellationToken) =>
        (await Call(() => summaries.CountByStateOverTimeAsync(from, to, width, cancellationToken)))
            .GroupBy(row => row.Start)
            .Select(bucket => new RunStateBucket(bucket.Key, bucket.ToDictionary(row => row.State, row => row.Count)))
            .OrderBy(bucket => bucket.Start)
            .ToList();

    public async Task<IReadOnlyList<WaitingRuns>> CountWaitingAsync(CancellationToken cancellationToken) =>
        (await Call(() => summaries.WaitingAsync(clock.GetUtcNow(), cancellationToken)))
            .GroupBy(pair => (pair.Key.Pool, Reason: MetricsService.Label(pair.Key.Kind)))
            .Select(group => new WaitingRuns(group.Key.Pool, group.Key.Reason, (int)group.Sum(pair => pair.Value)))
            .OrderByDescending(waiting => waiting.Count).ThenBy(waiting => waiting.Pool, StringComparer.Ordinal).ThenBy(waiting => waiting.Reason, StringComparer.Ordinal)
            .ToList();

    public Task<IReadOnlyList<TaskRun>> ListTaskRunsAsync(Guid id, CancellationToken cancellationToken) => Call(() => taskRuns.ListAsync(id, cancellationToken));

    public async Task<RunResult?> ResultAsync(Guid id, CancellationToken cancellationToken)
    {
        try
        {
            return await taskRuns.FlowRunResultAsync(id, cancellationToken);
        }
        catch (NotFoundException)
        {
            // No result recorded (the flow returns nothing, or has not completed), or no such run: the page reads the run itself.
            return null;
        }
    }

    public async Task<RunResult?> TaskRunResultAsync(Guid taskRunId, CancellationToken cancellationToken)
    {
        try
        {
            return await taskRuns.TaskRunResultAsync(taskRunId, cancellationToken);
        }
        catch (NotFoundException)
        {
            // No result recorded (the task returns nothing, or has not completed), or its result file is gone.
            return null;
        }
    }

    public Task<FlowRun> ResumeAsync(Guid id, FlowRunResume resume, CancellationToken cancellationToken) => Call(() =>
    {
        UiChangeLog.Describe("ResumeFlowRun", UiChangeLog.Summary($"id={id}", resume));
        return runs.ResumeAsync(id, resume, cancellationToken);
    });

    public Task<Page<FlowRunSummary>> ListLateAsync(int limit, CancellationToken cancellationToken) => Call(() => summaries.LateAsync(limit, cancellationToken));

    public Task<FlowRun> GetAsync(Guid id, CancellationToken cancellationToken) => Call(() => runs.GetAsync(id, cancellationToken));

    public Task<IReadOnlyList<FlowRunState>> HistoryAsync(Guid id, CancellationToken cancellationToken) => Call(() => runs.HistoryAsync(id, cancellationToken));

    public async Task<FlowRun> CreateAsync(Guid deploymentId, FlowRunCreate request, CancellationToken cancellationToken) =>
        (await Call(() =>
        {
            UiChangeLog.Describe("CreateFlowRun", UiChangeLog.Summary($"id={deploymentId}", request));
            return runs.CreateAsync(deploymentId, request, cancellationToken);
        })).Run;

    public Task<SetStateResult> SetStateAsync(Guid id, StateProposal proposal, CancellationToken cancellationToken) =>
        Call(() =>
        {
            UiChangeLog.Describe(proposal.Type switch
            {
                Contracts.States.StateType.Cancelling or Contracts.States.StateType.Cancelled => "CancelFlowRun",
                _ => "SetFlowRunState",
            }, $"id={id}; fields: state={EnumName(proposal.Type)}");
            return runs.SetStateAsync(id, proposal, cancellationToken);
        });

    private static string EnumName(Contracts.States.StateType type) => Contracts.EnumNames.Of(type);

    public Task<SetStateResult> CancelAsync(Guid id, CancellationToken cancellationToken) => Call(() =>
    {
        UiChangeLog.Describe("CancelFlowRun", $"id={id}");
        return runs.CancelAsync(id, cancellationToken);
    });

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken) => Call(async () =>
    {
        UiChangeLog.Describe("DeleteFlowRun", $"id={id}");
        await runs.DeleteAsync(id, cancellationToken);
        return true;
    });

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
