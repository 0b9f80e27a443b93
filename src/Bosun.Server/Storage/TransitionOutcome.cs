using Bosun.Contracts.States;

namespace Bosun.Server.Storage;

/// <summary>
/// The result of a guarded transition: the run as it now stands (as read, when nothing was written; with the names it
/// refers to only when the caller read it with <see cref="FlowRunStore.SelectRun"/>, as claims do), the answer, and
/// whether waiting claims should look again.
/// </summary>
internal sealed record TransitionOutcome(FlowRunRow Run, SetStateResult Result, bool WakesClaims);
