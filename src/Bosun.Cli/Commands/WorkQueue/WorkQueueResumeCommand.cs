using System.CommandLine;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkQueue;

/// <summary>`bosun work-queue resume NAME --pool P`.</summary>
internal static class WorkQueueResumeCommand
{
    public static Command Create(CliContext context)
    {
        var name = WorkQueueCommand.NameArgument();
        var pool = WorkQueueCommand.PoolOption();
        var command = new BosunCommand("resume",
            "Resume a paused work queue.", "bosun work-queue resume critical --pool my-docker-pool")
        {
            name, pool,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var queue = await client.ResumeWorkQueueAsync(parse.GetValue(pool)!, parse.GetValue(name)!, cancellationToken);
            context.Console.MarkupLineInterpolated($"Resumed work queue '{queue.Name}' of work pool '{queue.WorkPoolName}'.");
            return 0;
        });
        return command;
    }
}
