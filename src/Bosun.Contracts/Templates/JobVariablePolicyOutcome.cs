using System.Text.Json.Nodes;
using Bosun.Contracts.WorkPools;

namespace Bosun.Contracts.Templates;

/// <summary>What a work pool's job-variable policy made of a run's job variables (<see cref="JobVariablePolicy.Apply"/>).</summary>
/// <param name="Values">The merged job variables with every locked variable set to the pool's value.</param>
/// <param name="Locked">Locked variables the deployment or run asked to change, now set back to the pool's value.</param>
/// <param name="Refused">Constrained variables whose value the rule does not allow.</param>
public sealed record JobVariablePolicyOutcome(JsonObject Values, IReadOnlyList<JobVariablePolicyFinding> Locked, IReadOnlyList<JobVariablePolicyFinding> Refused)
{
    /// <summary>Locked and refused findings together: a deployment or run asking for any of them is refused (422).</summary>
    public IEnumerable<JobVariablePolicyFinding> All => Locked.Concat(Refused);
}
