using Bosun.Contracts;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Results;
using Bosun.Contracts.States;
using Bosun.Contracts.TaskRuns;

namespace Bosun.Ui.Backend;

/// <summary>Flow runs as the dashboard, the lists and the run page read and change them.</summary>
public interface IFlowRunBackend
{
    /// <summary>Run summaries (no parameters or job variables), newest expected start first.</summary>
    Task<Page<FlowRunSummary>> ListAsync(FlowRunFilter filter, CancellationToken cancellationToken);

    /// <summary>
    /// Runs expected to start in [<paramref name="from"/>, <paramref name="to"/>), by current state, in buckets of
    /// <paramref name="width"/> from <paramref name="from"/> on (counted by the store); buckets without runs are left out.
    /// </summary>
    Task<IReadOnlyList<RunStateBucket>> CountByStateOverTimeAsync(DateTimeOffset from, DateTimeOffset to, TimeSpan width, CancellationToken cancellationToken);

    /// <summary>The runs not running yet, by pool and why they wait (as <c>bosun_runs_waiting</c> counts them), the most first.</summary>
    Task<IReadOnlyList<WaitingRuns>> CountWaitingAsync(CancellationToken cancellationToken);

    /// <summary>The run's task runs, in the order the server first heard of them.</summary>
    Task<IReadOnlyList<TaskRun>> ListTaskRunsAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The run's persisted result, as <c>GET /flow_runs/{id}/result</c> reads it, or null when it recorded none.</summary>
    Task<RunResult?> ResultAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>A task run's persisted result, as <c>GET /task_runs/{id}/result</c> reads it, or null when it recorded none.</summary>
    Task<RunResult?> TaskRunResultAsync(Guid taskRunId, CancellationToken cancellationToken);

    /// <summary>Resumes a PAUSED run with the input its pause asked for (a problem with field errors when it does not fit the schema).</summary>
    Task<FlowRun> ResumeAsync(Guid id, FlowRunResume resume, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> runs in the Late state, the longest overdue first, and how many there are.</summary>
    Task<Page<FlowRunSummary>> ListLateAsync(int limit, CancellationToken cancellationToken);

    /// <summary>One run with everything about it, its waiting reason included.</summary>
    Task<FlowRun> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The run's states, oldest first.</summary>
    Task<IReadOnlyList<FlowRunState>> HistoryAsync(Guid id, CancellationToken cancellationToken);

    Task<FlowRun> CreateAsync(Guid deploymentId, FlowRunCreate request, CancellationToken cancellationToken);

    /// <summary>Proposes a state through the server's rules (cancel: CANCELLING; retry: SCHEDULED).</summary>
    Task<SetStateResult> SetStateAsync(Guid id, StateProposal proposal, CancellationToken cancellationToken);

    /// <summary>Cancels a run as <c>POST /flow_runs/{id}/cancel</c> does: CANCELLED at once when it has not started, else CANCELLING.</summary>
    Task<SetStateResult> CancelAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Deletes the run with its states, logs, task runs and results (result files included).</summary>
    Task DeleteAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>
    /// Starts watching one run: the watch is told of the run's new log lines and state changes (on this server and, with
    /// PostgreSQL, on the other replicas) until it is disposed.
    /// </summary>
    IRunWatch Watch(Guid id);
}
