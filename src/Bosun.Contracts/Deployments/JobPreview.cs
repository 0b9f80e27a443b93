using System.Text.Json.Nodes;

namespace Bosun.Contracts.Deployments;

/// <summary>The job configuration a run of a deployment would get, rendered without running anything.</summary>
/// <param name="WorkPoolName">The pool whose base job template was rendered.</param>
/// <param name="WorkPoolType">Its type.</param>
/// <param name="Variables">The merged job variables (template defaults, deployment, run), secrets masked.</param>
/// <param name="Configuration">The rendered job configuration, secrets masked. <c>{{ $NAME }}</c> placeholders, which read the worker's environment, are shown unresolved.</param>
public sealed record JobPreview(string WorkPoolName, string WorkPoolType, JsonObject Variables, JsonObject Configuration)
{
    /// <summary>Locked variables the deployment or run asked to change: the job shows the pool's value, and creating such a run is refused.</summary>
    public IReadOnlyList<WorkPools.JobVariablePolicyFinding>? PolicyLocked { get; init; }

    /// <summary>Variables whose value the pool's policy does not allow: a worker would refuse to start the run.</summary>
    public IReadOnlyList<WorkPools.JobVariablePolicyFinding>? PolicyRefused { get; init; }
}
