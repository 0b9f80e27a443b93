using System.CommandLine;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkPool;

/// <summary>`bosun work-pool pause NAME`.</summary>
internal static class WorkPoolPauseCommand
{
    public static Command Create(CliContext context)
    {
        var name = WorkPoolCommand.NameArgument();
        var command = new BosunCommand("pause",
            "Pause a work pool: its workers get no runs until it is resumed.", "bosun work-pool pause my-docker-pool")
        {
            name,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var pool = await client.PauseWorkPoolAsync(parse.GetValue(name)!, cancellationToken);
            context.Console.MarkupLineInterpolated($"Paused work pool '{pool.Name}'. Resume it with: [bold]bosun work-pool resume {pool.Name}[/]");
            return 0;
        });
        return command;
    }
}
