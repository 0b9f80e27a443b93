using System.CommandLine;

namespace Bosun.Cli.Commands.FlowRun;

/// <summary>`bosun flow-run ...`.</summary>
internal static class FlowRunCommand
{
    public static Command Create(CliContext context)
    {
        var command = new BosunCommand("flow-run",
            "Work with flow runs: list, inspect, read logs, watch, cancel, retry, delete.",
            "bosun flow-run ls --state RUNNING", "bosun flow-run logs crimson-fox --follow");
        command.Subcommands.Add(FlowRunLsCommand.Create(context));
        command.Subcommands.Add(FlowRunInspectCommand.Create(context));
        command.Subcommands.Add(FlowRunLogsCommand.Create(context));
        command.Subcommands.Add(FlowRunCancelCommand.Create(context));
        command.Subcommands.Add(FlowRunResumeCommand.Create(context));
        command.Subcommands.Add(FlowRunRetryCommand.Create(context));
        command.Subcommands.Add(FlowRunDeleteCommand.Create(context));
        command.Subcommands.Add(FlowRunWatchCommand.Create(context));
        return command;
    }
}
