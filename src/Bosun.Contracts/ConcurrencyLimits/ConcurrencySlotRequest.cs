using System.Text.Json.Serialization;

namespace Bosun.Contracts.ConcurrencyLimits;

/// <summary>A task run of a flow run asks for a slot of every limit among its tags: all of them, or none.</summary>
/// <param name="TaskRunId">The task run that will hold the slots.</param>
/// <param name="Tags">The task's tags; tags without a limit are not limited.</param>
public sealed record ConcurrencySlotRequest([property: JsonRequired] Guid TaskRunId, IReadOnlyList<string> Tags);
