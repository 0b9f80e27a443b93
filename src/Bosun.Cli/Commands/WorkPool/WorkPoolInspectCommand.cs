using System.CommandLine;
using System.Globalization;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Bosun.Contracts.Templates;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkPool;

/// <summary>`bosun work-pool inspect NAME`: the pool, its queues and its workers.</summary>
internal static class WorkPoolInspectCommand
{
    public static Command Create(CliContext context)
    {
        var name = WorkPoolCommand.NameArgument();
        var output = OutputOption.Create();
        var command = new BosunCommand("inspect",
            "Show a work pool's settings, status, queues and workers.",
            "bosun work-pool inspect my-docker-pool", "bosun work-pool inspect my-docker-pool --output json")
        {
            name, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var pool = await client.GetWorkPoolAsync(parse.GetValue(name)!, cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.Write(context.Output, pool, BosunJsonContext.Default.WorkPool);
                return 0;
            }

            var queues = await client.ListWorkQueuesAsync(pool.Name, cancellationToken);
            var workers = await client.ListWorkersAsync(pool.Name, cancellationToken);
            var now = context.Time.GetUtcNow();
            var variables = pool.BaseJobTemplate["variables"]?["properties"]?.AsObject().Select(pair => pair.Key) ?? [];
            new DetailsGrid()
                .Add("Name", new Text(pool.Name, new Style(Color.Aqua)))
                .Add("Id", pool.Id.ToString())
                .Add("Type", pool.Type)
                .Add("Status", StateStyles.Status(pool.Status))
                .Add("Description", pool.Description)
                .Add("Concurrency limit", pool.ConcurrencyLimit?.ToString(CultureInfo.InvariantCulture) ?? "none")
                .Add("Runs in flight", pool.SlotsInUse.ToString(CultureInfo.InvariantCulture))
                .Add("Job variables", string.Join(", ", variables))
                .Add("Job-variable policy", pool.JobVariablePolicy is { Count: > 0 } policy
                    ? string.Join("; ", policy.OrderBy(rule => rule.Key, StringComparer.Ordinal).Select(rule => $"{rule.Key}: {JobVariablePolicy.Describe(rule.Value)}"))
                    : "none: every variable is open")
                .Add("Created", RelativeTime.Format(pool.Created, now))
                .Add("Updated", RelativeTime.Format(pool.Updated, now))
                .WriteTo(context.Console);

            var queueTable = new Table().Title("Work queues").AddColumns("Priority", "Name", "Status", "In flight", "Limit", "Late runs", "Last polled");
            foreach (var queue in queues)
            {
                queueTable.AddRow(new Text(queue.Priority.ToString(CultureInfo.InvariantCulture)), new Text(queue.Name), StateStyles.Status(queue.Status),
                    new Text(queue.SlotsInUse.ToString(CultureInfo.InvariantCulture)),
                    new Text(queue.ConcurrencyLimit?.ToString(CultureInfo.InvariantCulture) ?? "none"),
                    new Text(queue.LateRuns.ToString(CultureInfo.InvariantCulture)), new Text(RelativeTime.Format(queue.LastPolled, now)));
            }

            context.Console.Write(queueTable);
            if (workers.Count == 0)
            {
                context.Console.MarkupLineInterpolated($"No workers yet. Start one with: [bold]bosun worker start --pool {pool.Name}[/]");
                return 0;
            }

            var workerTable = new Table().Title("Workers").AddColumns("Name", "Status", "Last heartbeat", "Type");
            foreach (var worker in workers)
            {
                workerTable.AddRow(new Text(worker.Name), StateStyles.Status(worker.Status), new Text(RelativeTime.Format(worker.LastHeartbeat, now)),
                    new Text(worker.Type ?? "-"));
            }

            context.Console.Write(workerTable);
            return 0;
        });
        return command;
    }
}
