using System.CommandLine;
using Bosun.Contracts.States;
using Spectre.Console;

namespace Bosun.Cli.Commands.FlowRun;

/// <summary>`bosun flow-run cancel ID`.</summary>
internal static class FlowRunCancelCommand
{
    public static Command Create(CliContext context)
    {
        var id = FlowRunReference.Argument();
        var command = new BosunCommand("cancel",
            "Cancel a flow run: one that has not started is cancelled at once, a running one once its worker has stopped it.",
            "bosun flow-run cancel crimson-fox")
        {
            id,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var runId = await FlowRunReference.ResolveAsync(client, parse.GetValue(id)!, cancellationToken);
            var run = await client.GetFlowRunAsync(runId, cancellationToken);
            var result = await client.CancelFlowRunAsync(runId, cancellationToken);
            if (result.State.Type is not (StateType.Cancelling or StateType.Cancelled))
            {
                throw new CliException($"Flow run '{run.Name}' was not cancelled: {result.Reason ?? $"it is {result.State.Name}"}.");
            }

            if (result.State.Type == StateType.Cancelled)
            {
                context.Console.MarkupLineInterpolated($"Cancelled flow run '{run.Name}'.");
            }
            else
            {
                context.Console.MarkupLineInterpolated($"Cancelling flow run '{run.Name}': its worker is stopping it. Follow it with: [bold]bosun flow-run watch {runId}[/]");
            }
            return 0;
        });
        return command;
    }
}
