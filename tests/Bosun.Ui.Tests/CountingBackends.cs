using Bosun.Contracts;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Contracts.TaskRuns;
using Bosun.Ui.Backend;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Ui.Tests;

/// <summary>
/// Counts the UI's reads of runs and logs: the server's own backends, each wrapped by a decorator that counts the calls
/// and passes them on (nothing is faked).
/// </summary>
internal sealed class CountingBackends
{
    private int _histories;
    private int _lastLines;
    private readonly List<long> _cursors = [];

    public int Histories => Volatile.Read(ref _histories);

    public int LastLines => Volatile.Read(ref _lastLines);

    /// <summary>The <c>after</c> of every read of lines after a cursor, in call order.</summary>
    public IReadOnlyList<long> Cursors
    {
        get
        {
            lock (_cursors)
            {
                return [.. _cursors];
            }
        }
    }

    /// <summary>Wraps the server's run and log backends (for <see cref="UiSession.StartAsync"/>'s services).</summary>
    public void Decorate(IServiceCollection services)
    {
        Wrap<IFlowRunBackend>(services, inner => new Runs(inner, this));
        Wrap<IRunLogBackend>(services, inner => new Logs(inner, this));
    }

    private static void Wrap<T>(IServiceCollection services, Func<T, T> wrap)
        where T : class
    {
        var original = services.Last(service => service.ServiceType == typeof(T));
        var implementation = original.ImplementationType ?? throw new InvalidOperationException($"{typeof(T).Name} is not registered by type.");
        services.Remove(original);
        services.Add(new ServiceDescriptor(implementation, implementation, original.Lifetime));
        services.Add(new ServiceDescriptor(typeof(T), provider => wrap((T)provider.GetRequiredService(implementation)), original.Lifetime));
    }

    private sealed class Runs(IFlowRunBackend inner, CountingBackends counts) : IFlowRunBackend
    {
        public Task<Page<FlowRunSummary>> ListAsync(FlowRunFilter filter, CancellationToken cancellationToken) => inner.ListAsync(filter, cancellationToken);

        public Task<IReadOnlyList<RunStateBucket>> CountByStateOverTimeAsync(DateTimeOffset from, DateTimeOffset to, TimeSpan width, CancellationToken cancellationToken) =>
            inner.CountByStateOverTimeAsync(from, to, width, cancellationToken);

        public Task<IReadOnlyList<WaitingRuns>> CountWaitingAsync(CancellationToken cancellationToken) => inner.CountWaitingAsync(cancellationToken);

        public Task<IReadOnlyList<TaskRun>> ListTaskRunsAsync(Guid id, CancellationToken cancellationToken) => inner.ListTaskRunsAsync(id, cancellationToken);

        public Task<FlowRun> ResumeAsync(Guid id, FlowRunResume resume, CancellationToken cancellationToken) => inner.ResumeAsync(id, resume, cancellationToken);

        public Task<Bosun.Contracts.Results.RunResult?> ResultAsync(Guid id, CancellationToken cancellationToken) => inner.ResultAsync(id, cancellationToken);

        public Task<Bosun.Contracts.Results.RunResult?> TaskRunResultAsync(Guid taskRunId, CancellationToken cancellationToken) => inner.TaskRunResultAsync(taskRunId, cancellationToken);

        public Task<Page<FlowRunSummary>> ListLateAsync(int limit, CancellationToken cancellationToken) => inner.ListLateAsync(limit, cancellationToken);

        public Task<FlowRun> GetAsync(Guid id, CancellationToken cancellationToken) => inner.GetAsync(id, cancellationToken);

        public Task<IReadOnlyList<FlowRunState>> HistoryAsync(Guid id, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref counts._histories);
            return inner.HistoryAsync(id, cancellationToken);
        }

        public Task<FlowRun> CreateAsync(Guid deploymentId, FlowRunCreate request, CancellationToken cancellationToken) =>
            inner.CreateAsync(deploymentId, request, cancellationToken);

        public Task<SetStateResult> SetStateAsync(Guid id, StateProposal proposal, CancellationToken cancellationToken) =>
            inner.SetStateAsync(id, proposal, cancellationToken);

        public Task<SetStateResult> CancelAsync(Guid id, CancellationToken cancellationToken) => inner.CancelAsync(id, cancellationToken);

        public Task DeleteAsync(Guid id, CancellationToken cancellationToken) => inner.DeleteAsync(id, cancellationToken);

        public IRunWatch Watch(Guid id) => inner.Watch(id);
    }

    private sealed class Logs(IRunLogBackend inner, CountingBackends counts) : IRunLogBackend
    {
        public Task<IReadOnlyList<LogEntry>> ReadLastAsync(Guid runId, int count, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref counts._lastLines);
            return inner.ReadLastAsync(runId, count, cancellationToken);
        }

        public Task<IReadOnlyList<LogEntry>> ReadAfterAsync(Guid runId, long after, int limit, CancellationToken cancellationToken)
        {
            lock (counts._cursors)
            {
                counts._cursors.Add(after);
            }

            return inner.ReadAfterAsync(runId, after, limit, cancellationToken);
        }
    }
}
