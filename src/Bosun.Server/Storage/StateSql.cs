using Bosun.Contracts.States;

namespace Bosun.Server.Storage;

/// <summary>
/// State types as SQL literals, rendered from their one mapping to stored values (<see cref="StateTypeExtensions.ToWireName"/>)
/// and from the named sets of <see cref="StateSets"/>, so that no statement spells a state or a list of states by hand.
/// Rendered once: a statement's text stays the same from one execution to the next (PostgreSQL prepares it once).
/// </summary>
internal static class StateSql
{
    /// <summary><c>('PENDING','RUNNING','CANCELLING')</c>: for <c>state_type IN</c>, the runs that hold a slot.</summary>
    public static readonly string HoldingSlot = List(StateSets.HoldingSlot);

    /// <summary><c>('COMPLETED','FAILED',...)</c>: for <c>state_type IN</c>, the runs that have ended.</summary>
    public static readonly string Terminal = List(Enum.GetValues<StateType>().Where(StateTypeExtensions.IsTerminal));

    /// <summary><c>'SCHEDULED'</c>.</summary>
    public static readonly string Scheduled = Literal(StateType.Scheduled);

    /// <summary><c>'PENDING'</c>.</summary>
    public static readonly string Pending = Literal(StateType.Pending);

    /// <summary><c>'RUNNING'</c>.</summary>
    public static readonly string Running = Literal(StateType.Running);

    /// <summary><c>'CANCELLING'</c>.</summary>
    public static readonly string Cancelling = Literal(StateType.Cancelling);

    /// <summary><c>'PAUSED'</c>.</summary>
    public static readonly string Paused = Literal(StateType.Paused);

    /// <summary>
    /// <c>('FAILED','CRASHED')</c> for a set a caller chose (a filter), in the enum's order and once each, so that the
    /// same set gives the same statement text.
    /// </summary>
    public static string Set(IEnumerable<StateType> types) => List(types.Distinct().Order());

    private static string Literal(StateType type) => $"'{type.ToWireName()}'";

    private static string List(IEnumerable<StateType> types) => $"({string.Join(",", types.Select(Literal))})";
}
