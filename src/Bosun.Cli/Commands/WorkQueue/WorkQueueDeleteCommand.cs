using System.CommandLine;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkQueue;

/// <summary>`bosun work-queue delete NAME --pool P`.</summary>
internal static class WorkQueueDeleteCommand
{
    public static Command Create(CliContext context)
    {
        var name = WorkQueueCommand.NameArgument();
        var pool = WorkQueueCommand.PoolOption();
        var command = new BosunCommand("delete",
            "Delete a work queue; its waiting runs move to the pool's default queue.", "bosun work-queue delete critical --pool my-docker-pool")
        {
            name, pool,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (poolName, queueName) = (parse.GetValue(pool)!, parse.GetValue(name)!);
            using var client = context.CreateClient(parse);
            await client.DeleteWorkQueueAsync(poolName, queueName, cancellationToken);
            context.Console.MarkupLineInterpolated($"Deleted work queue '{queueName}' of work pool '{poolName}'; its waiting runs moved to the default queue.");
            return 0;
        });
        return command;
    }
}
