using System.CommandLine;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkQueue;

/// <summary>`bosun work-queue pause NAME --pool P`.</summary>
internal static class WorkQueuePauseCommand
{
    public static Command Create(CliContext context)
    {
        var name = WorkQueueCommand.NameArgument();
        var pool = WorkQueueCommand.PoolOption();
        var command = new BosunCommand("pause",
            "Pause a work queue: its runs wait until it is resumed.", "bosun work-queue pause critical --pool my-docker-pool")
        {
            name, pool,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var queue = await client.PauseWorkQueueAsync(parse.GetValue(pool)!, parse.GetValue(name)!, cancellationToken);
            context.Console.MarkupLineInterpolated($"Paused work queue '{queue.Name}' of work pool '{queue.WorkPoolName}'.");
            return 0;
        });
        return command;
    }
}
