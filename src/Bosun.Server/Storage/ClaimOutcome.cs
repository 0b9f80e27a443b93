namespace Bosun.Server.Storage;

/// <summary>What a claim transaction did: the runs it moved to PENDING, and whether it freed or rescheduled others.</summary>
internal sealed record ClaimOutcome(Guid PoolId, IReadOnlyList<Guid> ClaimedRunIds, bool WakesClaims);

