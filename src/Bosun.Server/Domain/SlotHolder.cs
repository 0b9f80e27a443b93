using Bosun.Contracts.States;

namespace Bosun.Server.Domain;

/// <summary>What the sweep of abandoned runs knows about a run that holds a slot, and about whoever holds it.</summary>
/// <param name="State">PENDING, RUNNING or CANCELLING; or SCHEDULED for a run awaiting its own retry.</param>
/// <param name="StateSince">When it entered that state.</param>
/// <param name="Due">When it was (or is) due to start.</param>
/// <param name="InfrastructureId">The infrastructure its worker recorded (a process id, a container, a job), or null.</param>
/// <param name="LastHeartbeat">The flow-run process's last heartbeat; null when it never heartbeat.</param>
/// <param name="Claimant">The worker (or serving process) that claimed it.</param>
/// <param name="ClaimantSeen">When that claimant was last heard from (its heartbeat, or a serving process's poll); null when unknown.</param>
/// <param name="ClaimantIntervalSeconds">The heartbeat interval the claimant announced; null for a serving process.</param>
internal sealed record SlotHolder(
    StateType State,
    DateTimeOffset StateSince,
    DateTimeOffset Due,
    string? InfrastructureId,
    DateTimeOffset? LastHeartbeat,
    string? Claimant,
    DateTimeOffset? ClaimantSeen,
    int? ClaimantIntervalSeconds);
