using Bosun.Contracts;
using Bosun.Contracts.Deployments;

namespace Bosun.Ui.Backend;

/// <summary>Deployments as the deployment pages read them, and the job a run of one would get.</summary>
public interface IDeploymentBackend
{
    /// <summary>The first page of deployments.</summary>
    Task<Page<Deployment>> ListAsync(CancellationToken cancellationToken);

    Task<Deployment> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>
    /// The deployment's runs that ended in [<paramref name="from"/>, <paramref name="to"/>) after running, the
    /// <paramref name="limit"/> latest, oldest first.
    /// </summary>
    Task<IReadOnlyList<RunDuration>> RunDurationsAsync(Guid id, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken);

    /// <summary>The job configuration a worker would start for a run with <paramref name="request"/>'s overrides (secrets masked).</summary>
    Task<JobPreview> PreviewJobAsync(Guid id, JobPreviewRequest request, CancellationToken cancellationToken);
}
