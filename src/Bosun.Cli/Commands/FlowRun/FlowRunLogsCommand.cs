using System.CommandLine;
using Bosun.Cli.Output;
using Bosun.Contracts.Logs;

namespace Bosun.Cli.Commands.FlowRun;

/// <summary>`bosun flow-run logs ID [--head N | --tail N] [--follow] [--task NAME]`.</summary>
internal static class FlowRunLogsCommand
{
    private const int PageSize = 500;

    public static Command Create(CliContext context)
    {
        var id = FlowRunReference.Argument();
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new lines until the run has finished." };
        var head = new Option<int?>("--head") { Description = "Only the first N lines." };
        var tail = new Option<int?>("--tail") { Description = "Only the last N lines (with --follow: then the new ones)." };
        var task = new Option<string?>("--task") { Description = "Only the lines the run's task runs of this task wrote (see `bosun task-run ls`)." };
        var command = new BosunCommand("logs",
            "Print a flow run's logs.", "bosun flow-run logs crimson-fox", "bosun flow-run logs crimson-fox --tail 20 --follow", "bosun flow-run logs crimson-fox --task fetch-repo")
        {
            id, follow, head, tail, task,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (headCount, tailCount, following) = (parse.GetValue(head), parse.GetValue(tail), parse.GetValue(follow));
            if (headCount is not null && (tailCount is not null || following))
            {
                throw new CliException("--head cannot be combined with --tail or --follow.");
            }

            var taskName = parse.GetValue(task);
            if (taskName is not null && following)
            {
                throw new CliException("--task cannot be combined with --follow.");
            }

            if (headCount is < 0 || tailCount is < 0)
            {
                throw new CliException("--head and --tail take a number of lines, 0 or more.");
            }

            using var client = context.CreateClient(parse);
            var runId = await FlowRunReference.ResolveAsync(client, parse.GetValue(id)!, cancellationToken);
            var run = await client.GetFlowRunAsync(runId, cancellationToken);
            var lines = new List<LogEntry>();
            long after = 0;
            while (headCount is null || lines.Count < headCount)
            {
                var page = taskName is null
                    ? await client.ReadLogsAsync(runId, after, PageSize, cancellationToken)
                    : await client.ReadTaskLogsAsync(runId, null, taskName, after, PageSize, cancellationToken);
                lines.AddRange(page.Items);
                after = page.Items.Count > 0 ? page.Items[^1].Id : after;
                if (tailCount is { } keep && lines.Count > keep)
                {
                    lines.RemoveRange(0, lines.Count - keep);
                }

                if (page.Items.Count < PageSize)
                {
                    break;
                }
            }

            foreach (var line in headCount is { } first ? lines.Take(first) : lines)
            {
                RunOutput.WriteLog(context, line);
            }

            if (!following)
            {
                if (lines.Count == 0)
                {
                    await context.Error.WriteLineAsync(taskName is null
                        ? $"Flow run '{run.Name}' has no logs yet."
                        : $"No task run of task '{taskName}' in flow run '{run.Name}' wrote log lines (its tasks: `bosun task-run ls --flow-run {run.Name}`).");
                }

                return 0;
            }

            // Once following, a server restart or an outage is ridden out: the stream is followed again after the last line.
            using var followingClient = context.CreateFollowingClient(parse);
            await LiveStatus.RunAsync(context, $"Following the logs of {run.Name} (Ctrl+C to stop)", async _ =>
            {
                await foreach (var entry in followingClient.FollowLogsAsync(runId, after, cancellationToken))
                {
                    RunOutput.WriteLog(context, entry);
                }

                return 0;
            });
            return 0;
        });
        return command;
    }
}
