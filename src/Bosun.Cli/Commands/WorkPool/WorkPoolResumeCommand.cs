using System.CommandLine;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkPool;

/// <summary>`bosun work-pool resume NAME`.</summary>
internal static class WorkPoolResumeCommand
{
    public static Command Create(CliContext context)
    {
        var name = WorkPoolCommand.NameArgument();
        var command = new BosunCommand("resume",
            "Resume a paused work pool: its workers get runs again.", "bosun work-pool resume my-docker-pool")
        {
            name,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var pool = await client.ResumeWorkPoolAsync(parse.GetValue(name)!, cancellationToken);
            context.Console.MarkupLineInterpolated($"Resumed work pool '{pool.Name}'.");
            return 0;
        });
        return command;
    }
}
