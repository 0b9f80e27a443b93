using System.CommandLine;

namespace Bosun.Cli.Commands.TaskRun;

/// <summary>`bosun task-run ...`.</summary>
internal static class TaskRunCommand
{
    public static Command Create(CliContext context)
    {
        var command = new BosunCommand("task-run",
            "Work with task runs: the [Task] calls a flow run made, with their states, attempts, errors and results.",
            "bosun task-run ls --flow-run crimson-fox", "bosun task-run inspect 3f2c0e8a-5b1d-4c7e-9a0f-1d2e3f4a5b6c");
        command.Subcommands.Add(TaskRunLsCommand.Create(context));
        command.Subcommands.Add(TaskRunInspectCommand.Create(context));
        return command;
    }
}
