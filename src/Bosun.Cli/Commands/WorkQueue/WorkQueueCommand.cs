using System.CommandLine;

namespace Bosun.Cli.Commands.WorkQueue;

/// <summary>`bosun work-queue ...`.</summary>
internal static class WorkQueueCommand
{
    public static Command Create(CliContext context)
    {
        var command = new BosunCommand("work-queue",
            "Manage the work queues of a pool: priorities, limits and pausing within a pool.",
            "bosun work-queue create critical --pool my-docker-pool --priority 1", "bosun work-queue ls --pool my-docker-pool");
        command.Subcommands.Add(WorkQueueCreateCommand.Create(context));
        command.Subcommands.Add(WorkQueueLsCommand.Create(context));
        command.Subcommands.Add(WorkQueueInspectCommand.Create(context));
        command.Subcommands.Add(WorkQueuePauseCommand.Create(context));
        command.Subcommands.Add(WorkQueueResumeCommand.Create(context));
        command.Subcommands.Add(WorkQueueUpdateCommand.Create(context));
        command.Subcommands.Add(WorkQueueDeleteCommand.Create(context));
        command.Subcommands.Add(WorkQueueSetConcurrencyLimitCommand.Create(context));
        command.Subcommands.Add(WorkQueueClearConcurrencyLimitCommand.Create(context));
        command.Subcommands.Add(WorkQueuePreviewCommand.Create(context));
        return command;
    }

    public static Argument<string> NameArgument() => new("name") { Description = "The work queue's name." };

    public static Option<string> PoolOption() => new("--pool", "-p") { Description = "The work pool the queue belongs to.", Required = true };
}
