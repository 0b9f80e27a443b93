using System.CommandLine;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkQueue;

/// <summary>`bosun work-queue clear-concurrency-limit NAME --pool P`.</summary>
internal static class WorkQueueClearConcurrencyLimitCommand
{
    public static Command Create(CliContext context)
    {
        var name = WorkQueueCommand.NameArgument();
        var pool = WorkQueueCommand.PoolOption();
        var command = new BosunCommand("clear-concurrency-limit",
            "Remove a work queue's concurrency limit.", "bosun work-queue clear-concurrency-limit critical --pool my-docker-pool")
        {
            name, pool,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var queue = await client.SetWorkQueueConcurrencyLimitAsync(parse.GetValue(pool)!, parse.GetValue(name)!, null, cancellationToken);
            context.Console.MarkupLineInterpolated($"Cleared the concurrency limit of work queue '{queue.Name}' of work pool '{queue.WorkPoolName}'.");
            return 0;
        });
        return command;
    }
}
