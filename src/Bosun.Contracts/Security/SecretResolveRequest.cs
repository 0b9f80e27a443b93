using System.Text.Json.Serialization;

namespace Bosun.Contracts.Security;

/// <summary>A worker asks for the secrets a run's job refers to, at render time.</summary>
/// <param name="FlowRunId">The run being submitted (it must be PENDING, claimed by a worker).</param>
/// <param name="Names">The secret names.</param>
public sealed record SecretResolveRequest([property: JsonRequired] Guid FlowRunId, IReadOnlyList<string> Names);
