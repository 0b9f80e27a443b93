using System.Text.Json.Nodes;

namespace Bosun.Contracts.Deployments;

/// <summary>
/// An admin's override of a pool's job-variable policy for one deployment, recorded in the audit log: these job
/// variables are set on the deployment and stand despite the policy while they keep these values.
/// </summary>
/// <param name="JobVariables">The job variables approved, with their values; empty removes the override (the deployment's job variables stay).</param>
/// <param name="Reason">Why, for the audit log.</param>
public sealed record PolicyExemptionUpdate(JsonObject JobVariables, string? Reason = null);
