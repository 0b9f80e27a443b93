using System.CommandLine;
using Bosun.Contracts.WorkPools;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkQueue;

/// <summary>`bosun work-queue create NAME --pool P [--priority N] [--limit N] [--description D]`.</summary>
internal static class WorkQueueCreateCommand
{
    public static Command Create(CliContext context)
    {
        var name = WorkQueueCommand.NameArgument();
        var pool = WorkQueueCommand.PoolOption();
        var priority = new Option<int?>("--priority") { Description = "1 is served first; a taken priority shifts the others down. Default: the first free number." };
        var limit = new Option<int?>("--limit") { Description = "Most runs of this queue in flight at once." };
        var description = new Option<string?>("--description") { Description = "Free text." };
        var paused = new Option<bool>("--paused") { Description = "Create it paused." };
        var command = new BosunCommand("create",
            "Create a work queue in a pool.", "bosun work-queue create critical --pool my-docker-pool --priority 1 --limit 2")
        {
            name, pool, priority, limit, description, paused,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var poolName = parse.GetValue(pool)!;
            using var client = context.CreateClient(parse);
            var queue = await client.CreateWorkQueueAsync(poolName,
                new WorkQueueCreate(parse.GetValue(name)!, parse.GetValue(description), parse.GetValue(priority), parse.GetValue(limit), parse.GetValue(paused)),
                cancellationToken);
            context.Console.MarkupLineInterpolated($"[green]Created work queue '{queue.Name}' in work pool '{poolName}' (priority {queue.Priority}).[/]");
            context.Console.WriteLine();
            context.Console.MarkupLineInterpolated($"To start a worker for this queue, run: [bold]bosun worker start --pool {poolName} --work-queue {queue.Name}[/]");
            return 0;
        });
        return command;
    }
}
