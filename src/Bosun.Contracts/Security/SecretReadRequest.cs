namespace Bosun.Contracts.Security;

/// <summary>
/// A deploying key (developer or admin) reads secrets' values for deploy-time steps, such as a bosun.yaml push step's
/// registry password (<c>{{ secret.NAME }}</c>). Recorded in the audit log with the names and the reason, never the values.
/// </summary>
/// <param name="Names">The secret names (1 to 20).</param>
/// <param name="Reason">What they are read for, copied into the audit log (<c>bosun deploy of 'flow/name': push step</c>).</param>
public sealed record SecretReadRequest(IReadOnlyList<string> Names, string? Reason = null);
