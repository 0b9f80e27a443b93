using Bosun.Contracts.States;

namespace Bosun.Server.Domain;

/// <summary>The rules' verdict: the status, the state to write (null: write nothing), a reason, and a WAIT delay.</summary>
internal sealed record StateDecision(SetStateStatus Status, FlowRunState? StateToWrite, string? Reason = null, double? RetryAfterSeconds = null);
