using System.CommandLine;
using System.Globalization;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkQueue;

/// <summary>`bosun work-queue ls [--pool P]`: one pool's queues in priority order, or every pool's.</summary>
internal static class WorkQueueLsCommand
{
    public static Command Create(CliContext context)
    {
        var pool = new Option<string?>("--pool", "-p") { Description = "Only this pool's queues. Default: every pool's." };
        var output = OutputOption.Create();
        var command = new BosunCommand("ls",
            "List work queues in priority order with their status and limits.", "bosun work-queue ls --pool my-docker-pool", "bosun work-queue ls --output json")
        {
            pool, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var poolNames = parse.GetValue(pool) is { } one
                ? [one]
                : (await client.ListWorkPoolsAsync(limit: 500, cancellationToken: cancellationToken)).Items.Select(p => p.Name).ToList();
            var queues = new List<Contracts.WorkPools.WorkQueue>();
            foreach (var poolName in poolNames)
            {
                queues.AddRange(await client.ListWorkQueuesAsync(poolName, cancellationToken));
            }

            if (parse.IsJson(output))
            {
                JsonOutput.WriteList(context.Output, queues, BosunJsonContext.Default.WorkQueue);
                return 0;
            }

            if (queues.Count == 0)
            {
                context.Console.WriteLine("No work queues: create a work pool first with: bosun work-pool create NAME --type process|docker|kubernetes");
                return 0;
            }

            var now = context.Time.GetUtcNow();
            var table = new Table().Title("Work queues").AddColumns("Pool", "Priority", "Name", "Status", "In flight", "Limit", "Late runs", "Last polled");
            foreach (var queue in queues)
            {
                table.AddRow(new Text(queue.WorkPoolName), new Text(queue.Priority.ToString(CultureInfo.InvariantCulture)), new Text(queue.Name, new Style(Color.Aqua)),
                    StateStyles.Status(queue.Status), new Text(queue.SlotsInUse.ToString(CultureInfo.InvariantCulture)),
                    new Text(queue.ConcurrencyLimit?.ToString(CultureInfo.InvariantCulture) ?? "none"),
                    new Text(queue.LateRuns.ToString(CultureInfo.InvariantCulture)), new Text(RelativeTime.Format(queue.LastPolled, now)));
            }

            context.Console.Write(table);
            return 0;
        });
        return command;
    }
}
