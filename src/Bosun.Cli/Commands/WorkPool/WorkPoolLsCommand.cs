using System.CommandLine;
using System.Globalization;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkPool;

/// <summary>`bosun work-pool ls`.</summary>
internal static class WorkPoolLsCommand
{
    public static Command Create(CliContext context)
    {
        var output = OutputOption.Create();
        var type = new Option<string?>("--type") { Description = "Only pools of this type." };
        var command = new BosunCommand("ls",
            "List work pools with their type, status, limit and workers.",
            "bosun work-pool ls", "bosun work-pool ls --output json")
        {
            type, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var page = await client.ListWorkPoolsAsync(parse.GetValue(type), limit: 500, cancellationToken: cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.WriteList(context.Output, page.Items, BosunJsonContext.Default.WorkPool);
                return 0;
            }

            if (page.Items.Count == 0)
            {
                context.Console.WriteLine("No work pools yet. Create one with: bosun work-pool create NAME --type process|docker|kubernetes");
                return 0;
            }

            var table = new Table().Title("Work pools")
                .AddColumns("Name", "Type", "Status", "In flight", "Limit", "Workers online", "Queues", "Description");
            foreach (var pool in page.Items)
            {
                table.AddRow(new Text(pool.Name, new Style(Color.Aqua)), new Text(pool.Type), StateStyles.Status(pool.Status),
                    new Text(pool.SlotsInUse.ToString(CultureInfo.InvariantCulture)),
                    new Text(pool.ConcurrencyLimit?.ToString(CultureInfo.InvariantCulture) ?? "none"),
                    new Text(pool.OnlineWorkers.ToString(CultureInfo.InvariantCulture)),
                    new Text(pool.QueueCount.ToString(CultureInfo.InvariantCulture)), new Text(pool.Description ?? ""));
            }

            context.Console.Write(table);
            if (page.Total > page.Items.Count)
            {
                context.Console.WriteLine($"Showing {page.Items.Count} of {page.Total} pools.");
            }

            return 0;
        });
        return command;
    }
}
