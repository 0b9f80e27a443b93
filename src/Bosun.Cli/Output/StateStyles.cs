using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Spectre.Console;

namespace Bosun.Cli.Output;

/// <summary>How states and statuses look: Completed green, Failed/Crashed red, Running blue, Scheduled/Pending yellow, the rest grey.</summary>
internal static class StateStyles
{
    public static Color For(StateType type) => type switch
    {
        StateType.Completed => Color.Green,
        StateType.Failed or StateType.Crashed => Color.Red,
        StateType.Running => Color.Blue,
        StateType.Scheduled or StateType.Pending => Color.Yellow,
        _ => Color.Grey,
    };

    public static Text State(FlowRunState state) => new(state.Name, new Style(For(state.Type)));

    public static Text State(StateType type, string name) => new(name, new Style(For(type)));

    public static Text Status(ReadinessStatus status) => status switch
    {
        ReadinessStatus.Ready => new Text("Ready", new Style(Color.Green)),
        ReadinessStatus.NotReady => new Text("Not ready", new Style(Color.Red)),
        _ => new Text("Paused", new Style(Color.Grey)),
    };

    public static Text Status(WorkerStatus status) => status == WorkerStatus.Online
        ? new Text("Online", new Style(Color.Green))
        : new Text("Offline", new Style(Color.Red));
}
