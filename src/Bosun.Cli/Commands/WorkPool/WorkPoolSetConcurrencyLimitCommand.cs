using System.CommandLine;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkPool;

/// <summary>`bosun work-pool set-concurrency-limit NAME LIMIT`.</summary>
internal static class WorkPoolSetConcurrencyLimitCommand
{
    public static Command Create(CliContext context)
    {
        var name = WorkPoolCommand.NameArgument();
        var limit = new Argument<int>("limit") { Description = "Most runs of the pool in flight (PENDING, RUNNING, CANCELLING) at once; 0 delivers nothing." };
        var command = new BosunCommand("set-concurrency-limit",
            "Limit how many runs of a work pool may be in flight at once.", "bosun work-pool set-concurrency-limit my-docker-pool 5")
        {
            name, limit,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var pool = await client.SetWorkPoolConcurrencyLimitAsync(parse.GetValue(name)!, parse.GetValue(limit), cancellationToken);
            context.Console.MarkupLineInterpolated($"Set the concurrency limit of work pool '{pool.Name}' to {pool.ConcurrencyLimit}.");
            return 0;
        });
        return command;
    }
}
