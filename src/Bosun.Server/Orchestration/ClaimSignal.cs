namespace Bosun.Server.Orchestration;

/// <summary>Something may have become claimable: a run created or rescheduled, a slot freed, a pool or queue resumed.</summary>
internal sealed class ClaimSignal : ChangeSignal;
