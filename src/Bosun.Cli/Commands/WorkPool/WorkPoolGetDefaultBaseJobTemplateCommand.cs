using System.CommandLine;
using Bosun.Cli.Output;
using Bosun.Contracts.WorkPools;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkPool;

/// <summary>`bosun work-pool get-default-base-job-template --type T [--file PATH]`.</summary>
internal static class WorkPoolGetDefaultBaseJobTemplateCommand
{
    public static Command Create(CliContext context)
    {
        var type = new Option<string>("--type", "-t") { Description = $"The pool type: {string.Join(", ", WorkPoolTypes.All)}.", Required = true };
        var file = new Option<string?>("--file") { Description = "Write the template to this file instead of stdout.", HelpName = "PATH" };
        var command = new BosunCommand("get-default-base-job-template",
            "Print the default base job template of a pool type: a starting point for --base-job-template.",
            "bosun work-pool get-default-base-job-template --type docker > template.json")
        {
            type, file,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var template = await client.GetDefaultBaseJobTemplateAsync(parse.GetValue(type)!, cancellationToken);
            if (parse.GetValue(file) is { } path)
            {
                await File.WriteAllTextAsync(path, JsonOutput.Format(template) + "\n", cancellationToken);
                context.Console.MarkupLineInterpolated($"Wrote the default {parse.GetValue(type)} base job template to {path}.");
                return 0;
            }

            JsonOutput.WriteNode(context.Output, template);
            return 0;
        });
        return command;
    }
}
