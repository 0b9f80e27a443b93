namespace Bosun.Contracts.States;

/// <summary>The answer to a state proposal.</summary>
/// <param name="Status">ACCEPT, REJECT, WAIT or ABORT.</param>
/// <param name="State">The run's state after the proposal (the written one, or the unchanged current one).</param>
/// <param name="Reason">Why the proposal was not simply accepted.</param>
/// <param name="RetryAfterSeconds">With WAIT: how long to wait before proposing again.</param>
public sealed record SetStateResult(
    SetStateStatus Status,
    FlowRunState State,
    string? Reason = null,
    double? RetryAfterSeconds = null);
