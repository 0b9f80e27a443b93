using Bosun.Contracts.States;

namespace Bosun.Server.Storage;

/// <summary>The result of a guarded transition: the run as it was read, the answer, and whether waiting claims should look again.</summary>
internal sealed record TransitionOutcome(FlowRunRow Before, SetStateResult Result, bool WakesClaims);
