namespace Bosun.Server.Orchestration;

/// <summary>Why a run waits: its kind (a metric label) and the sentence the API, CLI and UI show.</summary>
internal sealed record WaitingReason(WaitingKind Kind, string Message);
