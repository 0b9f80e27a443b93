using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.Schedules;
using Bosun.Server.Api;
using Bosun.Server.Orchestration.Deployments;
using Bosun.Server.Orchestration.FlowRuns;
using Bosun.Server.Storage;
using Bosun.Ui.Backend;
using static Bosun.Server.Ui.UiBackends;

namespace Bosun.Server.Ui;

internal sealed class DeploymentBackend(DeploymentService deployments, FlowRunSummaries summaries) : IDeploymentBackend
{
    public Task<Page<Deployment>> ListAsync(DeploymentQuery query, string? cursor, int limit, CancellationToken cancellationToken) =>
        Call(() => deployments.ListAsync(
            new DeploymentListFilter(WorkPoolName: query.WorkPoolName, Served: query.Served, NameContains: query.NameContains, Tag: query.Tag, Status: query.Status),
            0, Math.Clamp(limit, 1, Paging.MaxLimit), cursor, cancellationToken));

    public Task<Deployment> GetAsync(Guid id, CancellationToken cancellationToken) => Call(() => deployments.GetAsync(id, cancellationToken));

    public async Task<IReadOnlyList<RunDuration>> RunDurationsAsync(Guid id, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken) =>
        (await Call(() => summaries.EndedRunsAsync(id, from, to, limit, cancellationToken)))
            .Select(run => new RunDuration(run.Id, run.Name, run.State, run.StateName, run.Start, run.End, run.RunTime))
            .ToList();

    public Task<JobPreview> PreviewJobAsync(Guid id, JobPreviewRequest request, CancellationToken cancellationToken) =>
        Call(() => deployments.PreviewJobAsync(id, request, cancellationToken));

    public Task<Deployment> SetPausedAsync(Guid id, bool paused, CancellationToken cancellationToken) => Call(() =>
    {
        UiChangeLog.Describe(paused ? "PauseDeployment" : "ResumeDeployment", $"id={id}");
        return deployments.SetPausedAsync(id, paused, cancellationToken);
    });

    /// <summary>An edit (queue, parameters, job variables, tags, limit, strategy, catch-up...) is PATCH /deployments/{id}, summarized as its audit does.</summary>
    public Task<Deployment> UpdateAsync(Guid id, DeploymentUpdate update, CancellationToken cancellationToken) => Call(() =>
    {
        UiChangeLog.Describe("UpdateDeployment", UiChangeLog.Summary($"id={id}", update));
        return deployments.UpdateAsync(id, update, cancellationToken);
    });

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken) => Call(async () =>
    {
        UiChangeLog.Describe("DeleteDeployment", $"id={id}");
        await deployments.DeleteAsync(id, cancellationToken);
        return true;
    });

    public Task<IReadOnlyList<UpcomingRun>> UpcomingAsync(Guid id, int count, CancellationToken cancellationToken) =>
        Call(() => deployments.UpcomingAsync(id, count, cancellationToken));

    public Task<IReadOnlyList<UpcomingRun>> PreviewScheduleAsync(Guid id, ScheduleSpec spec, int count, CancellationToken cancellationToken) =>
        Call(() => deployments.PreviewScheduleAsync(id, spec, count, cancellationToken));

    public Task<DeploymentSchedule> AddScheduleAsync(Guid id, ScheduleSpec spec, CancellationToken cancellationToken) =>
        Call(async () =>
        {
            UiChangeLog.Describe("AddSchedule", UiChangeLog.Summary($"id={id}", spec));
            return (await deployments.AddScheduleAsync(id, spec, null, cancellationToken)).Schedule;
        });

    public Task<DeploymentSchedule> SetScheduleActiveAsync(Guid id, Guid scheduleId, bool active, CancellationToken cancellationToken) =>
        Call(() =>
        {
            UiChangeLog.Describe("UpdateSchedule", UiChangeLog.Summary($"id={id} scheduleId={scheduleId}", new ScheduleUpdate(active)));
            return deployments.SetScheduleActiveAsync(id, scheduleId, active, cancellationToken);
        });

    public Task DeleteScheduleAsync(Guid id, Guid scheduleId, CancellationToken cancellationToken) => Call(async () =>
    {
        UiChangeLog.Describe("DeleteSchedule", $"id={id} scheduleId={scheduleId}");
        await deployments.DeleteScheduleAsync(id, scheduleId, cancellationToken);
        return true;
    });
}
