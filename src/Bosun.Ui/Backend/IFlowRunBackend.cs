using Bosun.Contracts;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;

namespace Bosun.Ui.Backend;

/// <summary>Flow runs as the dashboard, the lists and the run page read and change them.</summary>
public interface IFlowRunBackend
{
    /// <summary>Run summaries (no parameters or job variables), newest expected start first.</summary>
    Task<Page<FlowRunSummary>> ListAsync(FlowRunFilter filter, CancellationToken cancellationToken);

    /// <summary>How many runs expected to start since <paramref name="since"/> are in each state (states with none are left out).</summary>
    Task<IReadOnlyDictionary<StateType, int>> CountByStateAsync(DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> runs in the Late state, the longest overdue first, and how many there are.</summary>
    Task<Page<FlowRunSummary>> ListLateAsync(int limit, CancellationToken cancellationToken);

    /// <summary>One run with everything about it, its waiting reason included.</summary>
    Task<FlowRun> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The run's states, oldest first.</summary>
    Task<IReadOnlyList<FlowRunState>> HistoryAsync(Guid id, CancellationToken cancellationToken);

    Task<FlowRun> CreateAsync(Guid deploymentId, FlowRunCreate request, CancellationToken cancellationToken);

    /// <summary>Proposes a state through the server's rules (cancel: CANCELLING; retry: SCHEDULED).</summary>
    Task<SetStateResult> SetStateAsync(Guid id, StateProposal proposal, CancellationToken cancellationToken);

    /// <summary>
    /// Starts watching one run: the watch is told of the run's new log lines and state changes (on this server and, with
    /// PostgreSQL, on the other replicas) until it is disposed.
    /// </summary>
    IRunWatch Watch(Guid id);
}
