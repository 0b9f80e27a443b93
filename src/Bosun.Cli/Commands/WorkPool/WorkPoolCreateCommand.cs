using System.CommandLine;
using System.Net;
using Bosun.Cli.Input;
using Bosun.Client;
using Bosun.Contracts.WorkPools;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkPool;

/// <summary>`bosun work-pool create NAME --type T`: with --overwrite an existing pool is updated instead.</summary>
internal static class WorkPoolCreateCommand
{
    public static Command Create(CliContext context)
    {
        var name = WorkPoolCommand.NameArgument();
        var type = new Option<string>("--type", "-t")
        {
            Description = $"The infrastructure its runs get: {string.Join(", ", WorkPoolTypes.All)}.",
            DefaultValueFactory = _ => WorkPoolTypes.Process,
        };
        type.AcceptOnlyFromAmong([.. WorkPoolTypes.All]);
        var description = new Option<string?>("--description") { Description = "Free text shown in listings." };
        var template = new Option<string?>("--base-job-template")
        {
            Description = "A JSON file with the base job template (job_configuration and variables). Default: the type's template.",
            HelpName = "FILE",
        };
        var paused = new Option<bool>("--paused") { Description = "Create it paused: it delivers no runs until resumed." };
        var limit = new Option<int?>("--concurrency-limit") { Description = "Most runs in flight at once (0 delivers nothing)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "If the pool exists, update it with these settings instead of failing." };
        var command = new BosunCommand("create",
            "Create a work pool (with its default queue).",
            "bosun work-pool create my-docker-pool --type docker",
            "bosun work-pool create my-pool --base-job-template template.json --overwrite")
        {
            name, type, description, template, paused, limit, overwrite,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var poolName = parse.GetValue(name)!;
            var poolType = parse.GetValue(type)!;
            var baseJobTemplate = parse.GetValue(template) is { } file ? JsonInput.ReadObjectFile(file, "--base-job-template") : null;
            var request = new WorkPoolCreate(poolName, poolType, parse.GetValue(description), baseJobTemplate, parse.GetValue(paused), parse.GetValue(limit));
            using var client = context.CreateClient(parse);
            try
            {
                var pool = await client.CreateWorkPoolAsync(request, cancellationToken);
                context.Console.MarkupLineInterpolated($"[green]Created work pool '{pool.Name}'![/]");
            }
            catch (BosunApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict && parse.GetValue(overwrite))
            {
                await OverwriteAsync(client, request, limitGiven: parse.GetResult(limit) is not null, cancellationToken);
                context.Console.MarkupLineInterpolated($"[green]Updated work pool '{poolName}'.[/]");
            }

            context.Console.WriteLine();
            context.Console.MarkupLineInterpolated($"To start a worker for this pool, run: [bold]bosun worker start --pool {poolName}[/]");
            return 0;
        });
        return command;
    }

    // Only what was given changes: an existing limit, template or pause is kept unless the command line names it.
    private static async Task OverwriteAsync(BosunClient client, WorkPoolCreate request, bool limitGiven, CancellationToken cancellationToken)
    {
        var existing = await client.GetWorkPoolAsync(request.Name, cancellationToken);
        if (!string.Equals(existing.Type, request.Type, StringComparison.Ordinal))
        {
            throw new CliException($"Work pool '{request.Name}' exists with type {existing.Type}, and a pool's type cannot change; delete it first or pick another name.");
        }

        if (request.Description is not null || request.BaseJobTemplate is not null)
        {
            await client.UpdateWorkPoolAsync(request.Name, new WorkPoolUpdate(request.Description, request.BaseJobTemplate), cancellationToken);
        }

        if (limitGiven && request.ConcurrencyLimit != existing.ConcurrencyLimit)
        {
            await client.SetWorkPoolConcurrencyLimitAsync(request.Name, request.ConcurrencyLimit, cancellationToken);
        }

        if (request.Paused && !existing.Paused)
        {
            await client.PauseWorkPoolAsync(request.Name, cancellationToken);
        }
    }
}
