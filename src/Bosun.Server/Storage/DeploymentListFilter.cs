using Bosun.Contracts.WorkPools;

namespace Bosun.Server.Storage;

/// <summary>
/// Which deployments a list shows; every part is matched in SQL (<see cref="DeploymentStore.ListAsync"/>), and an unset
/// part selects every deployment.
/// </summary>
/// <param name="FlowName">The flow's exact name.</param>
/// <param name="WorkPoolName">The pool's exact name (ignored when <paramref name="Served"/>).</param>
/// <param name="Served">Only deployments on no pool (served by their own process).</param>
/// <param name="NameContains">Part of the full name (flow/name), any case.</param>
/// <param name="Tag">One of the deployment's tags, whole, any case.</param>
/// <param name="Paused">Paused (true) or not (false).</param>
/// <param name="Status">The status the UI shows: PAUSED when paused, else READY or NOT_READY as polled.</param>
internal sealed record DeploymentListFilter(
    string? FlowName = null, string? WorkPoolName = null, bool Served = false, string? NameContains = null, string? Tag = null, bool? Paused = null,
    ReadinessStatus? Status = null);
