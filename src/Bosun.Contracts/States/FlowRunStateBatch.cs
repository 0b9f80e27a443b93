using System.Text.Json.Serialization;

namespace Bosun.Contracts.States;

/// <summary>
/// State proposals for many runs in one request and one write transaction (<c>POST /api/flow_runs/set_states</c>): what a
/// process running many flows sends as its runs end, instead of one request each. Each proposal is decided by the same
/// rules as <c>set_state</c> and answered on its own; a WAIT is answered at once (no due-time hold).
/// </summary>
/// <param name="Proposals">1 to 100 proposals; a run may appear more than once (its proposals are decided in order).</param>
public sealed record FlowRunStateBatch(IReadOnlyList<FlowRunStateProposal> Proposals);

/// <summary>One run's proposal in a <see cref="FlowRunStateBatch"/>.</summary>
/// <param name="FlowRunId">The run.</param>
/// <param name="Proposal">Its proposed state, as <c>set_state</c> takes it (a transition id makes a retry safe).</param>
public sealed record FlowRunStateProposal([property: JsonRequired] Guid FlowRunId, StateProposal Proposal);

/// <summary>The answers to a <see cref="FlowRunStateBatch"/>, in the order of its proposals.</summary>
/// <param name="Results">One per proposal.</param>
public sealed record FlowRunStateBatchResult(IReadOnlyList<FlowRunSetStateResult> Results);

/// <summary>The answer to one proposal of a batch: the rules' verdict, or why there is none (the run does not exist).</summary>
/// <param name="FlowRunId">The run.</param>
/// <param name="Result">ACCEPT, REJECT, WAIT or ABORT with the run's state; null when <paramref name="Error"/> says why not.</param>
/// <param name="Error">Why the proposal was not decided: the run does not exist.</param>
public sealed record FlowRunSetStateResult(Guid FlowRunId, SetStateResult? Result, string? Error = null);
