using System.CommandLine;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Spectre.Console;

namespace Bosun.Cli.Commands.Deployment;

/// <summary>`bosun deployment ls [--flow F] [--pool P]`.</summary>
internal static class DeploymentLsCommand
{
    public static Command Create(CliContext context)
    {
        var flow = new Option<string?>("--flow") { Description = "Only deployments of this flow." };
        var pool = new Option<string?>("--pool", "-p") { Description = "Only deployments on this work pool." };
        var output = OutputOption.Create();
        var command = new BosunCommand("ls",
            "List deployments with their work pool and status.", "bosun deployment ls", "bosun deployment ls --pool my-docker-pool --output json")
        {
            flow, pool, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var page = await client.ListDeploymentsAsync(parse.GetValue(flow), parse.GetValue(pool), limit: 500, cancellationToken: cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.WriteList(context.Output, page.Items, BosunJsonContext.Default.Deployment);
                return 0;
            }

            if (page.Items.Count == 0)
            {
                context.Console.WriteLine("No deployments yet. Deploy a flow with the Bosun SDK (Flows.Get(...).DeployAsync or ServeAsync).");
                return 0;
            }

            var now = context.Time.GetUtcNow();
            var table = new Table().Title("Deployments").AddColumns("Name", "Work pool", "Queue", "Status", "Tags", "Updated");
            foreach (var deployment in page.Items)
            {
                table.AddRow(new Text(deployment.FullName, new Style(Color.Aqua)), new Text(deployment.WorkPoolName ?? "(served)"),
                    new Text(deployment.WorkQueueName ?? "-"), deployment.Paused ? new Text("Paused", new Style(Color.Grey)) : StateStyles.Status(deployment.Status),
                    new Text(string.Join(", ", deployment.Tags)), new Text(RelativeTime.Format(deployment.Updated, now)));
            }

            context.Console.Write(table);
            return 0;
        });
        return command;
    }
}
