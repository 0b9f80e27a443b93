using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Bosun.Server.Api;
using Bosun.Server.Orchestration.Deployments;
using Bosun.Server.Orchestration.FlowRuns;
using Bosun.Ui.Backend;
using static Bosun.Server.Ui.UiBackends;

namespace Bosun.Server.Ui;

internal sealed class DeploymentBackend(DeploymentService deployments, FlowRunSummaries summaries) : IDeploymentBackend
{
    public Task<Page<Deployment>> ListAsync(CancellationToken cancellationToken) =>
        Call(() => deployments.ListAsync(null, null, 0, Paging.MaxLimit, null, cancellationToken));

    public Task<Deployment> GetAsync(Guid id, CancellationToken cancellationToken) => Call(() => deployments.GetAsync(id, cancellationToken));

    public async Task<IReadOnlyList<RunDuration>> RunDurationsAsync(Guid id, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken) =>
        (await Call(() => summaries.EndedRunsAsync(id, from, to, limit, cancellationToken)))
            .Select(run => new RunDuration(run.Id, run.Name, run.State, run.StateName, run.Start, run.End, run.RunTime))
            .ToList();

    public Task<JobPreview> PreviewJobAsync(Guid id, JobPreviewRequest request, CancellationToken cancellationToken) =>
        Call(() => deployments.PreviewJobAsync(id, request, cancellationToken));
}
