namespace Bosun.Contracts.Audit;

/// <summary>One change made through the API, as the audit log keeps it (never a secret value).</summary>
/// <param name="Id">Entry id.</param>
/// <param name="Time">When the change was made.</param>
/// <param name="KeyId">The API key that made it; null without authentication or for a run token.</param>
/// <param name="KeyName">The key's name (<c>anonymous</c> without authentication, <c>run ID</c> for a run token).</param>
/// <param name="Action">What was done: the route's name, such as <c>CreateFlowRun</c>.</param>
/// <param name="Route">The HTTP method and path.</param>
/// <param name="Status">The HTTP status answered.</param>
/// <param name="Summary">What changed: the target and the names of the fields given, never their values.</param>
public sealed record AuditEntry(Guid Id, DateTimeOffset Time, Guid? KeyId, string KeyName, string Action, string Route, int Status, string Summary);
