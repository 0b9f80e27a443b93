using System.CommandLine;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkQueue;

/// <summary>`bosun work-queue set-concurrency-limit NAME LIMIT --pool P`.</summary>
internal static class WorkQueueSetConcurrencyLimitCommand
{
    public static Command Create(CliContext context)
    {
        var name = WorkQueueCommand.NameArgument();
        var limit = new Argument<int>("limit") { Description = "Most runs of the queue in flight at once; 0 delivers nothing." };
        var pool = WorkQueueCommand.PoolOption();
        var command = new BosunCommand("set-concurrency-limit",
            "Limit how many runs of a work queue may be in flight at once.", "bosun work-queue set-concurrency-limit critical 2 --pool my-docker-pool")
        {
            name, limit, pool,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var queue = await client.SetWorkQueueConcurrencyLimitAsync(parse.GetValue(pool)!, parse.GetValue(name)!, parse.GetValue(limit), cancellationToken);
            context.Console.MarkupLineInterpolated($"Set the concurrency limit of work queue '{queue.Name}' of work pool '{queue.WorkPoolName}' to {queue.ConcurrencyLimit}.");
            return 0;
        });
        return command;
    }
}
