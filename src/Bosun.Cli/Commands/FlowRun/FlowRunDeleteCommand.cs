using System.CommandLine;
using Spectre.Console;

namespace Bosun.Cli.Commands.FlowRun;

/// <summary>`bosun flow-run delete ID`.</summary>
internal static class FlowRunDeleteCommand
{
    public static Command Create(CliContext context)
    {
        var id = FlowRunReference.Argument();
        var command = new BosunCommand("delete", "Delete a flow run and its logs.", "bosun flow-run delete crimson-fox")
        {
            id,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var runId = await FlowRunReference.ResolveAsync(client, parse.GetValue(id)!, cancellationToken);
            await client.DeleteFlowRunAsync(runId, cancellationToken);
            context.Console.MarkupLineInterpolated($"Deleted flow run {runId}.");
            return 0;
        });
        return command;
    }
}
