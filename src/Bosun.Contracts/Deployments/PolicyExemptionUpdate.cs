namespace Bosun.Contracts.Deployments;

/// <summary>An admin's override of a pool's job-variable policy for one deployment, recorded in the audit log.</summary>
/// <param name="Variables">The variables whose deployment values stand despite the policy; empty removes the override.</param>
/// <param name="Reason">Why, for the audit log.</param>
public sealed record PolicyExemptionUpdate(IReadOnlyList<string> Variables, string? Reason = null);
