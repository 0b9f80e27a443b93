using System.CommandLine;
using Bosun.Contracts.States;
using Spectre.Console;

namespace Bosun.Cli.Commands.FlowRun;

/// <summary>`bosun flow-run retry ID`: a finished run of a deployment goes back to SCHEDULED, due now.</summary>
internal static class FlowRunRetryCommand
{
    public static Command Create(CliContext context)
    {
        var id = FlowRunReference.Argument();
        var command = new BosunCommand("retry",
            "Run a finished (failed, crashed, cancelled or completed) flow run again: it is scheduled now, with the same parameters.",
            "bosun flow-run retry crimson-fox")
        {
            id,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var runId = await FlowRunReference.ResolveAsync(client, parse.GetValue(id)!, cancellationToken);
            var run = await client.GetFlowRunAsync(runId, cancellationToken);
            // SCHEDULED is a legal move from RUNNING too; a retry must not reschedule a run that is still going.
            if (!run.State.Type.IsTerminal())
            {
                throw new CliException($"Flow run '{run.Name}' is {run.State.Name}; only a finished run can be retried. Cancel it first with `bosun flow-run cancel {run.Id}`.");
            }

            var result = await client.SetFlowRunStateAsync(runId,
                new StateProposal(StateType.Scheduled, Message: "retried from the CLI", ScheduledTime: context.Time.GetUtcNow()), cancellationToken);
            if (result.Status != SetStateStatus.Accept)
            {
                throw new CliException($"Flow run '{run.Name}' was not retried: {result.Reason ?? result.Status.ToString()}.");
            }

            context.Console.MarkupLineInterpolated($"Scheduled flow run '{run.Name}' to run again now. Follow it with: [bold]bosun flow-run watch {run.Id}[/]");
            return 0;
        });
        return command;
    }
}
