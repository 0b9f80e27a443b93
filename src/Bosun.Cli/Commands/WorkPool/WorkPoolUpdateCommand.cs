using System.CommandLine;
using Bosun.Cli.Input;
using Bosun.Contracts.WorkPools;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkPool;

/// <summary>`bosun work-pool update NAME [--description D] [--base-job-template FILE] [--concurrency-limit N]`.</summary>
internal static class WorkPoolUpdateCommand
{
    public static Command Create(CliContext context)
    {
        var name = WorkPoolCommand.NameArgument();
        var description = new Option<string?>("--description") { Description = "New description." };
        var template = new Option<string?>("--base-job-template") { Description = "A JSON file with the new base job template.", HelpName = "FILE" };
        var limit = new Option<int?>("--concurrency-limit") { Description = "New concurrency limit (0 delivers nothing)." };
        var command = new BosunCommand("update",
            "Change a work pool's description, base job template or concurrency limit; what is not given stays.",
            "bosun work-pool update my-docker-pool --description \"GPU machines\"",
            "bosun work-pool update my-docker-pool --base-job-template template.json")
        {
            name, description, template, limit,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var poolName = parse.GetValue(name)!;
            var newDescription = parse.GetValue(description);
            var newTemplate = parse.GetValue(template) is { } file ? JsonInput.ReadObjectFile(file, "--base-job-template") : null;
            var limitGiven = parse.GetResult(limit) is not null;
            if (newDescription is null && newTemplate is null && !limitGiven)
            {
                throw new CliException("Nothing to update: give --description, --base-job-template or --concurrency-limit.");
            }

            using var client = context.CreateClient(parse);
            if (newDescription is not null || newTemplate is not null)
            {
                await client.UpdateWorkPoolAsync(poolName, new WorkPoolUpdate(newDescription, newTemplate), cancellationToken);
            }

            if (limitGiven)
            {
                await client.SetWorkPoolConcurrencyLimitAsync(poolName, parse.GetValue(limit), cancellationToken);
            }

            context.Console.MarkupLineInterpolated($"Updated work pool '{poolName}'.");
            return 0;
        });
        return command;
    }
}
