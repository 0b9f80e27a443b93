using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.Schedules;

namespace Bosun.Ui.Backend;

/// <summary>Deployments as the deployment pages read them, and the job a run of one would get.</summary>
public interface IDeploymentBackend
{
    /// <summary>
    /// A page of the deployments <paramref name="query"/> selects, by flow then name, matched on the server over every
    /// deployment (the total counts every match); the page after the one whose <see cref="Page{T}.NextCursor"/> is
    /// <paramref name="cursor"/> when given.
    /// </summary>
    Task<Page<Deployment>> ListAsync(DeploymentQuery query, string? cursor, int limit, CancellationToken cancellationToken);

    Task<Deployment> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>
    /// The deployment's runs that ended in [<paramref name="from"/>, <paramref name="to"/>) after running, the
    /// <paramref name="limit"/> latest, oldest first.
    /// </summary>
    Task<IReadOnlyList<RunDuration>> RunDurationsAsync(Guid id, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken);

    /// <summary>The job configuration a worker would start for a run with <paramref name="request"/>'s overrides (secrets masked).</summary>
    Task<JobPreview> PreviewJobAsync(Guid id, JobPreviewRequest request, CancellationToken cancellationToken);

    /// <summary>Pauses (true) or resumes (false) the deployment: paused, its schedules make no runs.</summary>
    Task<Deployment> SetPausedAsync(Guid id, bool paused, CancellationToken cancellationToken);

    /// <summary>Changes the fields <paramref name="update"/> gives, as <c>PATCH /deployments/{id}</c> does (a problem with field errors when one is refused).</summary>
    Task<Deployment> UpdateAsync(Guid id, DeploymentUpdate update, CancellationToken cancellationToken);

    /// <summary>Deletes the deployment and its scheduled runs; finished runs keep their history.</summary>
    Task DeleteAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The next <paramref name="count"/> times the deployment's active schedules fire, DST changes marked.</summary>
    Task<IReadOnlyList<UpcomingRun>> UpcomingAsync(Guid id, int count, CancellationToken cancellationToken);

    /// <summary>The next <paramref name="count"/> times a schedule of <paramref name="spec"/> would fire, checked but not saved.</summary>
    Task<IReadOnlyList<UpcomingRun>> PreviewScheduleAsync(Guid id, ScheduleSpec spec, int count, CancellationToken cancellationToken);

    Task<DeploymentSchedule> AddScheduleAsync(Guid id, ScheduleSpec spec, CancellationToken cancellationToken);

    /// <summary>Pauses (false) or resumes (true) one schedule.</summary>
    Task<DeploymentSchedule> SetScheduleActiveAsync(Guid id, Guid scheduleId, bool active, CancellationToken cancellationToken);

    Task DeleteScheduleAsync(Guid id, Guid scheduleId, CancellationToken cancellationToken);
}

/// <summary>The deployments list's filters; an unset one selects every deployment.</summary>
/// <param name="NameContains">Part of the full name (flow/name), any case.</param>
/// <param name="WorkPoolName">The pool's name (ignored when <paramref name="Served"/>).</param>
/// <param name="Served">Only deployments on no pool, served by their own process.</param>
/// <param name="Tag">One of the deployment's tags, whole, any case.</param>
/// <param name="Status">PAUSED when paused; READY or NOT_READY (not paused, and polled in the last minute or not).</param>
public sealed record DeploymentQuery(
    string? NameContains = null, string? WorkPoolName = null, bool Served = false, string? Tag = null, Contracts.WorkPools.ReadinessStatus? Status = null);
