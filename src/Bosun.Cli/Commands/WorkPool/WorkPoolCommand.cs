using System.CommandLine;

namespace Bosun.Cli.Commands.WorkPool;

/// <summary>`bosun work-pool ...`.</summary>
internal static class WorkPoolCommand
{
    public static Command Create(CliContext context)
    {
        var command = new BosunCommand("work-pool",
            "Manage work pools: where deployments send their runs and workers pick them up.",
            "bosun work-pool create my-docker-pool --type docker", "bosun work-pool ls");
        command.Subcommands.Add(WorkPoolCreateCommand.Create(context));
        command.Subcommands.Add(WorkPoolLsCommand.Create(context));
        command.Subcommands.Add(WorkPoolInspectCommand.Create(context));
        command.Subcommands.Add(WorkPoolPauseCommand.Create(context));
        command.Subcommands.Add(WorkPoolResumeCommand.Create(context));
        command.Subcommands.Add(WorkPoolUpdateCommand.Create(context));
        command.Subcommands.Add(WorkPoolDeleteCommand.Create(context));
        command.Subcommands.Add(WorkPoolSetConcurrencyLimitCommand.Create(context));
        command.Subcommands.Add(WorkPoolClearConcurrencyLimitCommand.Create(context));
        command.Subcommands.Add(WorkPoolGetDefaultBaseJobTemplateCommand.Create(context));
        command.Subcommands.Add(WorkPoolPreviewCommand.Create(context));
        return command;
    }

    public static Argument<string> NameArgument() => new("name") { Description = "The work pool's name." };
}
