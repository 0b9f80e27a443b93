using Bosun.Server.Api;
using Bosun.Server.Orchestration.Deployments;
using Bosun.Server.Orchestration.WorkPools;
using Bosun.Server.Storage;
using Bosun.Ui.Backend;
using static Bosun.Server.Ui.UiBackends;

namespace Bosun.Server.Ui;

/// <summary>
/// The search page's name match, over every pool and deployment: the match is SQL (DeploymentStore, WorkPoolStore), so
/// one query finds the first <c>limit</c> by name and one counts them all, the 501st deployment found as the first is.
/// </summary>
internal sealed class SearchBackend(WorkPoolService pools, DeploymentService deployments) : ISearchBackend
{
    public async Task<NameMatches> FindByNameAsync(string text, int limit, CancellationToken cancellationToken)
    {
        var size = Math.Clamp(limit, 1, Paging.MaxLimit);
        var foundPools = await Call(() => pools.ListPoolsAsync(null, text, 0, size, null, cancellationToken));
        var foundDeployments = await Call(() => deployments.ListAsync(new DeploymentListFilter(NameContains: text), 0, size, null, cancellationToken));
        return new NameMatches(foundPools.Items, foundPools.Total, foundDeployments.Items, foundDeployments.Total);
    }
}
