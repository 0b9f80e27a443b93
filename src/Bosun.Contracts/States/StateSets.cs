namespace Bosun.Contracts.States;

/// <summary>
/// Named sets of state types, each derived from the one rule in <see cref="StateTypeExtensions"/>: code asks a state
/// type (<c>type.HoldsSlot()</c>), queries use the set (the server renders it into its SQL), and the two cannot drift apart.
/// </summary>
public static class StateSets
{
    /// <summary>The states that hold a concurrency slot (<see cref="StateTypeExtensions.HoldsSlot"/>): PENDING, RUNNING and CANCELLING.</summary>
    public static IReadOnlyList<StateType> HoldingSlot { get; } = Enum.GetValues<StateType>().Where(StateTypeExtensions.HoldsSlot).ToArray();
}
