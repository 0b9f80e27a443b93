using Bosun.Contracts.WorkPools;

namespace Bosun.Worker.Infrastructure;

/// <summary>
/// An infrastructure whose runs outlive the worker that started them (a Kubernetes Job is not the worker's process):
/// a draining worker releases them (<see cref="InfrastructureHandle.ReleaseAsync"/>) and leaves them running, and
/// <see cref="Runtime.InfrastructureReconciler"/> lets every worker of the pool find them again, adopt the ones no live
/// worker watches, and delete the ones left over.
/// </summary>
internal interface IAdoptableInfrastructure
{
    /// <summary>What this pool's workers started that still exists, in every cluster and namespace this worker knows of.</summary>
    Task<IReadOnlyList<StartedInfrastructure>> ListAsync(WorkPool pool, CancellationToken cancellationToken);
}
