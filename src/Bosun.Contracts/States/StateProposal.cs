using System.Text.Json.Serialization;

namespace Bosun.Contracts.States;

/// <summary>A request to move a flow run into a new state.</summary>
/// <param name="Type">The proposed state type.</param>
/// <param name="Name">The sub-state name; defaults to the type's name.</param>
/// <param name="Message">A human-readable reason, kept in the state history.</param>
/// <param name="TransitionId">An id chosen by the caller; it becomes the id of the state written; sending the same id again writes nothing and is answered with the current state (ACCEPT while it is that state, ABORT once the run moved on).</param>
/// <param name="ScheduledTime">For SCHEDULED proposals, when the run should be due.</param>
/// <param name="Force">Skip the orchestration rules (bookkeeping still applies).</param>
public sealed record StateProposal(
    [property: JsonRequired] StateType Type,
    string? Name = null,
    string? Message = null,
    Guid? TransitionId = null,
    DateTimeOffset? ScheduledTime = null,
    bool Force = false);
