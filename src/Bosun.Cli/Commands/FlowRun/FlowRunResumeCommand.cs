using System.CommandLine;
using Bosun.Cli.Input;
using Bosun.Contracts.FlowRuns;
using Spectre.Console;

namespace Bosun.Cli.Commands.FlowRun;

/// <summary>`bosun flow-run resume ID [--input k=v]...`.</summary>
internal static class FlowRunResumeCommand
{
    public static Command Create(CliContext context)
    {
        var id = FlowRunReference.Argument();
        var input = new Option<string[]>("--input", "-i")
        {
            Description = "A field of the input the pause asks for, key=value; the value is read as JSON when it is JSON (3, true, [1,2]), else as text. Repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new BosunCommand("resume",
            "Resume a PAUSED flow run, with the input its pause asks for (`bosun flow-run inspect` shows its schema).",
            "bosun flow-run resume crimson-fox", "bosun flow-run resume crimson-fox --input approved=true --input reviewer=ada")
        {
            id, input,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var values = KeyValueArguments.Parse(parse.GetValue(input), "--input");
            using var client = context.CreateClient(parse);
            var runId = await FlowRunReference.ResolveAsync(client, parse.GetValue(id)!, cancellationToken);
            var run = await client.ResumeFlowRunAsync(runId, new FlowRunResume(values.Count > 0 ? values : null), cancellationToken);
            context.Console.MarkupLineInterpolated($"Resumed flow run '{run.Name}'. Follow it with: [bold]bosun flow-run watch {runId}[/]");
            return 0;
        });
        return command;
    }
}
