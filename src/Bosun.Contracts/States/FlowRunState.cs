namespace Bosun.Contracts.States;

/// <summary>One state of a flow run.</summary>
/// <param name="Id">The state's id; a proposal carrying this id as its transition id is a duplicate.</param>
/// <param name="Type">The state type.</param>
/// <param name="Name">The sub-state name, e.g. Late or AwaitingRetry.</param>
/// <param name="Message">Why the run is in this state, if anyone said.</param>
/// <param name="Timestamp">When the state was entered.</param>
/// <param name="ScheduledTime">For SCHEDULED states, when the run is due; a PENDING state (a claimed run) keeps the time of the SCHEDULED state it was claimed from.</param>
public sealed record FlowRunState(
    Guid Id,
    StateType Type,
    string Name,
    string? Message,
    DateTimeOffset Timestamp,
    DateTimeOffset? ScheduledTime = null);
