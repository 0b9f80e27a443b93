using System.CommandLine;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkPool;

/// <summary>`bosun work-pool clear-concurrency-limit NAME`.</summary>
internal static class WorkPoolClearConcurrencyLimitCommand
{
    public static Command Create(CliContext context)
    {
        var name = WorkPoolCommand.NameArgument();
        var command = new BosunCommand("clear-concurrency-limit",
            "Remove a work pool's concurrency limit.", "bosun work-pool clear-concurrency-limit my-docker-pool")
        {
            name,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var pool = await client.SetWorkPoolConcurrencyLimitAsync(parse.GetValue(name)!, null, cancellationToken);
            context.Console.MarkupLineInterpolated($"Cleared the concurrency limit of work pool '{pool.Name}'.");
            return 0;
        });
        return command;
    }
}
