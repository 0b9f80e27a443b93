using Bosun.Contracts.Deployments;
using Bosun.Contracts.WorkPools;

namespace Bosun.Ui.Backend;

/// <summary>The search page's reads: work pools and deployments by part of their name, across every page of them.</summary>
public interface ISearchBackend
{
    /// <summary>
    /// Pools whose name and deployments whose full name (flow/name) contain <paramref name="text"/> (case-insensitive),
    /// the first <paramref name="limit"/> of each by name, and how many match in all.
    /// </summary>
    Task<NameMatches> FindByNameAsync(string text, int limit, CancellationToken cancellationToken);
}

/// <summary>What <see cref="ISearchBackend.FindByNameAsync"/> found: the first matches of each kind, and each kind's count.</summary>
public sealed record NameMatches(IReadOnlyList<WorkPool> Pools, int PoolCount, IReadOnlyList<Deployment> Deployments, int DeploymentCount);
