namespace Bosun.Contracts.WorkPools;

/// <summary>One job variable a work pool's policy refused, or (for a locked variable at run time) set back to the pool's value.</summary>
/// <param name="Variable">The job variable.</param>
/// <param name="Rule">The rule, as text: <c>locked to false</c>, <c>constrained to one of []</c>.</param>
/// <param name="Message">What was asked and why it is refused.</param>
public sealed record JobVariablePolicyFinding(string Variable, string Rule, string Message);
