using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.WorkPools;
using Bosun.Server.Api;
using Bosun.Server.Orchestration.Deployments;
using Bosun.Server.Orchestration.WorkPools;
using Bosun.Ui.Backend;
using static Bosun.Server.Ui.UiBackends;

namespace Bosun.Server.Ui;

/// <summary>
/// The search page's name match, over every pool and deployment: it follows the services' cursors page by page (each
/// page as cheap as the first), so the 501st deployment is found as the first is, rather than only the first page.
/// </summary>
internal sealed class SearchBackend(WorkPoolService pools, DeploymentService deployments) : ISearchBackend
{
    public async Task<NameMatches> FindByNameAsync(string text, int limit, CancellationToken cancellationToken)
    {
        bool Matches(string name) => name.Contains(text, StringComparison.OrdinalIgnoreCase);
        var (foundPools, poolCount) = await FindAsync<WorkPool>(
            cursor => pools.ListPoolsAsync(null, 0, Paging.MaxLimit, cursor, cancellationToken), pool => Matches(pool.Name), limit);
        var (foundDeployments, deploymentCount) = await FindAsync<Deployment>(
            cursor => deployments.ListAsync(null, null, 0, Paging.MaxLimit, cursor, cancellationToken), deployment => Matches(deployment.FullName), limit);
        return new NameMatches(foundPools, poolCount, foundDeployments, deploymentCount);
    }

    private static async Task<(List<T> Found, int Count)> FindAsync<T>(Func<string?, Task<Page<T>>> read, Func<T, bool> matches, int limit)
    {
        var found = new List<T>();
        var count = 0;
        string? cursor = null;
        do
        {
            var page = await Call(() => read(cursor));
            foreach (var item in page.Items.Where(matches))
            {
                if (count++ < limit)
                {
                    found.Add(item);
                }
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return (found, count);
    }
}
