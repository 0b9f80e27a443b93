using System.CommandLine;
using System.Globalization;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkQueue;

/// <summary>`bosun work-queue inspect NAME --pool P`.</summary>
internal static class WorkQueueInspectCommand
{
    public static Command Create(CliContext context)
    {
        var name = WorkQueueCommand.NameArgument();
        var pool = WorkQueueCommand.PoolOption();
        var output = OutputOption.Create();
        var command = new BosunCommand("inspect",
            "Show a work queue's settings and status.", "bosun work-queue inspect default --pool my-docker-pool --output json")
        {
            name, pool, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var queue = await client.GetWorkQueueAsync(parse.GetValue(pool)!, parse.GetValue(name)!, cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.Write(context.Output, queue, BosunJsonContext.Default.WorkQueue);
                return 0;
            }

            var now = context.Time.GetUtcNow();
            new DetailsGrid()
                .Add("Name", new Text(queue.Name, new Style(Color.Aqua)))
                .Add("Id", queue.Id.ToString())
                .Add("Work pool", queue.WorkPoolName)
                .Add("Status", StateStyles.Status(queue.Status))
                .Add("Priority", queue.Priority.ToString(CultureInfo.InvariantCulture))
                .Add("Concurrency limit", queue.ConcurrencyLimit?.ToString(CultureInfo.InvariantCulture) ?? "none")
                .Add("Runs in flight", queue.SlotsInUse.ToString(CultureInfo.InvariantCulture))
                .Add("Late runs", queue.LateRuns.ToString(CultureInfo.InvariantCulture))
                .Add("Last polled", RelativeTime.Format(queue.LastPolled, now))
                .Add("Description", queue.Description)
                .WriteTo(context.Console);
            return 0;
        });
        return command;
    }
}
