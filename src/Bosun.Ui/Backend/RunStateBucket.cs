using Bosun.Contracts.States;

namespace Bosun.Ui.Backend;

/// <summary>The runs expected to start in one bucket of a chart's window, by their current state (states with none left out).</summary>
public sealed record RunStateBucket(DateTimeOffset Start, IReadOnlyDictionary<StateType, int> Counts);
