using Bosun.Contracts.Deployments;

namespace Bosun.Server.Storage;

/// <summary>
/// What a claim transaction did: the pool as it left it (null for a serving process's claim), the runs it moved to
/// PENDING as they now stand with their deployments, and whether it freed or rescheduled others.
/// </summary>
internal sealed record ClaimOutcome(WorkPoolRow? Pool, IReadOnlyList<FlowRunRow> Claimed, IReadOnlyList<Deployment> Deployments, bool WakesClaims)
{
    /// <summary>A claim sent again with the key of one that took runs: <see cref="Claimed"/> are those runs as they are now, nothing new.</summary>
    public bool Replayed { get; init; }
}
