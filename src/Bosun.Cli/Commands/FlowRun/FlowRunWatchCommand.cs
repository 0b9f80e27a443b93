using System.CommandLine;

namespace Bosun.Cli.Commands.FlowRun;

/// <summary>`bosun flow-run watch ID`: state changes until the run is over; exit 0 when it completed, 1 otherwise.</summary>
internal static class FlowRunWatchCommand
{
    public static Command Create(CliContext context)
    {
        var id = FlowRunReference.Argument();
        var logs = new Option<bool>("--logs") { Description = "Print the run's log lines as they arrive, too." };
        var command = new BosunCommand("watch",
            "Follow a flow run's state changes until it finishes; exit code 0 when it completed, 1 otherwise.",
            "bosun flow-run watch crimson-fox --logs")
        {
            id, logs,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // A server that is not there at the start is an error at once; once watching, an outage is ridden out.
            using var client = context.CreateClient(parse);
            var runId = await FlowRunReference.ResolveAsync(client, parse.GetValue(id)!, cancellationToken);
            using var following = context.CreateFollowingClient(parse);
            var run = await RunWatcher.WatchAsync(context, following, runId, parse.GetValue(logs), cancellationToken);
            return RunWatcher.Conclude(context, runId, run);
        });
        return command;
    }
}
