namespace Bosun.Contracts.States;

/// <summary>Facts about state types shared by the server, workers and the SDK.</summary>
public static class StateTypeExtensions
{
    /// <summary>True for COMPLETED, FAILED, CANCELLED and CRASHED.</summary>
    public static bool IsTerminal(this StateType type) =>
        type is StateType.Completed or StateType.Failed or StateType.Cancelled or StateType.Crashed;

    /// <summary>True for the states that hold a concurrency slot: PENDING, RUNNING and CANCELLING.</summary>
    public static bool HoldsSlot(this StateType type) =>
        type is StateType.Pending or StateType.Running or StateType.Cancelling;

    /// <summary>The upper-case name used on the wire and in the store, e.g. <c>SCHEDULED</c>.</summary>
    public static string ToWireName(this StateType type) => type switch
    {
        StateType.Scheduled => "SCHEDULED",
        StateType.Pending => "PENDING",
        StateType.Running => "RUNNING",
        StateType.Completed => "COMPLETED",
        StateType.Failed => "FAILED",
        StateType.Cancelling => "CANCELLING",
        StateType.Cancelled => "CANCELLED",
        StateType.Crashed => "CRASHED",
        StateType.Paused => "PAUSED",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown state type."),
    };

    /// <summary>Parses a wire name such as <c>RUNNING</c> (case-insensitive).</summary>
    public static bool TryParseWireName(string? value, out StateType type)
    {
        foreach (var candidate in Enum.GetValues<StateType>())
        {
            if (string.Equals(candidate.ToWireName(), value, StringComparison.OrdinalIgnoreCase))
            {
                type = candidate;
                return true;
            }
        }

        type = default;
        return false;
    }
}
