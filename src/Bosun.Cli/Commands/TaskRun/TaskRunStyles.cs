using Bosun.Contracts;
using Bosun.Contracts.TaskRuns;
using Spectre.Console;

namespace Bosun.Cli.Commands.TaskRun;

/// <summary>Task-run states coloured as flow-run states are: done green, failed red, running blue, waiting yellow.</summary>
internal static class TaskRunStyles
{
    public static Text State(TaskRunStateType state) => new(EnumNames.Of(state), new Style(state switch
    {
        TaskRunStateType.Completed or TaskRunStateType.Cached => Color.Green,
        TaskRunStateType.Failed or TaskRunStateType.TimedOut => Color.Red,
        TaskRunStateType.Running => Color.Blue,
        _ => Color.Yellow,
    }));
}
