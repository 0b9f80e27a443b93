using System.CommandLine;
using Bosun.Contracts.WorkPools;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkQueue;

/// <summary>`bosun work-queue update NAME --pool P [--description D] [--priority N] [--limit N]`.</summary>
internal static class WorkQueueUpdateCommand
{
    public static Command Create(CliContext context)
    {
        var name = WorkQueueCommand.NameArgument();
        var pool = WorkQueueCommand.PoolOption();
        var description = new Option<string?>("--description") { Description = "New description." };
        var priority = new Option<int?>("--priority") { Description = "New priority (1 is served first)." };
        var limit = new Option<int?>("--limit") { Description = "New concurrency limit." };
        var command = new BosunCommand("update",
            "Change a work queue's description, priority or concurrency limit; what is not given stays.",
            "bosun work-queue update critical --pool my-docker-pool --priority 1")
        {
            name, pool, description, priority, limit,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (poolName, queueName) = (parse.GetValue(pool)!, parse.GetValue(name)!);
            var (newDescription, newPriority, limitGiven) = (parse.GetValue(description), parse.GetValue(priority), parse.GetResult(limit) is not null);
            if (newDescription is null && newPriority is null && !limitGiven)
            {
                throw new CliException("Nothing to update: give --description, --priority or --limit.");
            }

            using var client = context.CreateClient(parse);
            if (newDescription is not null || newPriority is not null)
            {
                await client.UpdateWorkQueueAsync(poolName, queueName, new WorkQueueUpdate(newDescription, newPriority), cancellationToken);
            }

            if (limitGiven)
            {
                await client.SetWorkQueueConcurrencyLimitAsync(poolName, queueName, parse.GetValue(limit), cancellationToken);
            }

            context.Console.MarkupLineInterpolated($"Updated work queue '{queueName}' of work pool '{poolName}'.");
            return 0;
        });
        return command;
    }
}
