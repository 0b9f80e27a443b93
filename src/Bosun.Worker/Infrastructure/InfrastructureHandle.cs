using Bosun.Contracts.States;

namespace Bosun.Worker.Infrastructure;

/// <summary>One started infrastructure (a process, a container, a job) that the worker watches and can stop.</summary>
public abstract class InfrastructureHandle : IAsyncDisposable
{
    /// <summary>Process id, container id or job name; recorded on the run.</summary>
    public abstract string Id { get; }

    /// <summary>Completes when the infrastructure has ended and its output has been read.</summary>
    public abstract Task<InfrastructureExit> WaitForExitAsync(CancellationToken cancellationToken);

    /// <summary>Stops it politely (SIGTERM, docker stop), then kills it after <paramref name="grace"/>.</summary>
    public abstract Task StopAsync(TimeSpan grace, CancellationToken cancellationToken);

    /// <summary>
    /// The worker stops without this infrastructure's end (a drain of a launcher whose infrastructure outlives it, see
    /// <see cref="IAdoptableInfrastructure"/>): marks it as watched by nobody, so that another worker adopts it at once.
    /// </summary>
    public virtual Task ReleaseAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The final state the run's flow reported and the server accepted, when the infrastructure knows it (a flow run in the
    /// worker's own process): the worker then need not read the run back once it has ended. Null when not known.
    /// </summary>
    public virtual StateType? AcceptedFinalState => null;

    public abstract ValueTask DisposeAsync();
}
