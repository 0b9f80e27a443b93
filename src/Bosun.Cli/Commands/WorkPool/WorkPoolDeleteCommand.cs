using System.CommandLine;
using System.Net;
using Bosun.Client;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkPool;

/// <summary>`bosun work-pool delete NAME [--force]`.</summary>
internal static class WorkPoolDeleteCommand
{
    public static Command Create(CliContext context)
    {
        var name = WorkPoolCommand.NameArgument();
        var force = new Option<bool>("--force") { Description = "Delete even while runs of the pool are in flight." };
        var command = new BosunCommand("delete",
            "Delete a work pool with its queues and workers.", "bosun work-pool delete my-docker-pool", "bosun work-pool delete busy-pool --force")
        {
            name, force,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var poolName = parse.GetValue(name)!;
            using var client = context.CreateClient(parse);
            try
            {
                await client.DeleteWorkPoolAsync(poolName, parse.GetValue(force), cancellationToken);
            }
            catch (BosunApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
            {
                throw new CliException(ex.Message.Replace("delete with force=true", $"delete anyway with `bosun work-pool delete {poolName} --force`", StringComparison.Ordinal), ex);
            }

            context.Console.MarkupLineInterpolated($"Deleted work pool '{poolName}'.");
            return 0;
        });
        return command;
    }
}
