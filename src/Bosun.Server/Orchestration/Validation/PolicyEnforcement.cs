using System.Text.Json.Nodes;
using Bosun.Contracts.Templates;
using Bosun.Server.Domain;
using Bosun.Server.Storage;

namespace Bosun.Server.Orchestration.Validation;

/// <summary>The server's side of a pool's job-variable policy (docs/security.md): a deployment or run asking for what it forbids is refused.</summary>
internal static class PolicyEnforcement
{
    /// <summary>Throws 422 naming each variable the policy locks or constrains and the deployment or run asks to change.</summary>
    public static void Enforce(string? policy, JsonObject template, JsonObject? deploymentVariables, JsonObject? runVariables, string? exemptions)
    {
        var outcome = JobVariablePolicy.Apply(StoredValues.Policy(policy), SecretMask.VariablesOf(template), deploymentVariables, runVariables,
            StoredValues.ObjectOrNull(exemptions));
        var findings = outcome.All.ToList();
        if (findings.Count > 0)
        {
            throw new ValidationException(
                $"The work pool's job-variable policy refuses {string.Join("; ", findings.Select(finding => finding.Message))}. An admin may change the pool's policy or exempt this deployment.",
                findings.ToDictionary(finding => $"job_variables.{finding.Variable}", finding => new[] { $"{finding.Rule}: {finding.Message}" }));
        }
    }
}
