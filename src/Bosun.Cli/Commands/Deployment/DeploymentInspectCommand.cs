using System.CommandLine;
using System.Globalization;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.Schedules;
using Spectre.Console;

namespace Bosun.Cli.Commands.Deployment;

/// <summary>`bosun deployment inspect 'flow/name'`.</summary>
internal static class DeploymentInspectCommand
{
    public static Command Create(CliContext context)
    {
        var name = DeploymentCommand.NameArgument();
        var output = OutputOption.Create();
        var command = new BosunCommand("inspect",
            "Show a deployment: where its runs go, its parameters and job variables.",
            "bosun deployment inspect 'get-repo-info/my-first-deployment'", "bosun deployment inspect 'get-repo-info/my-first-deployment' -o json")
        {
            name, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var deployment = await DeploymentCommand.GetAsync(client, parse.GetValue(name)!, cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.Write(context.Output, deployment, BosunJsonContext.Default.Deployment);
                return 0;
            }

            var now = context.Time.GetUtcNow();
            var known = deployment.ParameterSchema?["properties"]?.AsObject().Select(pair => pair.Key) ?? [];
            new DetailsGrid()
                .Add("Name", new Text(deployment.FullName, new Style(Color.Aqua)))
                .Add("Id", deployment.Id.ToString())
                .Add("Status", deployment.Paused ? new Text("Paused", new Style(Color.Grey)) : StateStyles.Status(deployment.Status))
                .Add("Work pool", deployment.WorkPoolName ?? "(served: no work pool)")
                .Add("Work queue", deployment.WorkQueueName)
                .Add("Entrypoint", deployment.Entrypoint)
                .Add("Parameters", JsonOutput.Format(deployment.Parameters))
                .Add("Parameter names", string.Join(", ", known))
                .Add("Job variables", JsonOutput.Format(deployment.JobVariables))
                .Add("Policy exemptions", deployment.PolicyExemptions is { Count: > 0 } exempted ? JsonOutput.Format(exempted) : "none")
                .Add("Tags", string.Join(", ", deployment.Tags))
                .Add("Concurrency limit", deployment.ConcurrencyLimit is { } limit
                    ? $"{limit.ToString(CultureInfo.InvariantCulture)} ({EnumNames.Of(deployment.CollisionStrategy)})"
                    : "none")
                .Add("Retries", deployment.Retries == 0 ? "none" : $"{deployment.Retries} ({deployment.RetryDelaySeconds} s apart)")
                .Add("Version", deployment.Version)
                .Add("Description", deployment.Description)
                .Add("Last polled", RelativeTime.Format(deployment.LastPolled, now))
                .Add("Updated", RelativeTime.Format(deployment.Updated, now))
                .Add("Schedules", deployment.Schedules.Count == 0 ? "none" : string.Join("; ", deployment.Schedules.Select(s =>
                    $"{Schedule.ScheduleCommand.Describe(s)}{(s.Active ? "" : " [paused]")}")))
                .Add("Catch-up", $"{EnumNames.Of(deployment.CatchUp)}{(deployment.SkippedRuns > 0 ? $" ({deployment.SkippedRuns} scheduled runs skipped, last {RelativeTime.Format(deployment.LastSkippedTime, now)})" : "")}")
                .WriteTo(context.Console);
            if (deployment.RecentSkippedRuns is { Count: > 0 } skipped)
            {
                var table = new Table().Title("Skipped scheduled runs (newest first)").AddColumns("Was due (UTC)", "Skipped", "Policy", "Run");
                foreach (var skip in skipped)
                {
                    table.AddRow(skip.ScheduledTime.ToString("u", CultureInfo.InvariantCulture), RelativeTime.Format(skip.SkippedAt, now),
                        EnumNames.Of(skip.CatchUp), skip.FlowRunId?.ToString() ?? "(never created: the server was down)");
                }

                context.Console.Write(table);
            }

            if (deployment.Schedules.Any(s => s.Active))
            {
                context.Console.Write(Schedule.ScheduleCommand.UpcomingTable(await client.GetUpcomingRunsAsync(deployment.Id, 5, cancellationToken)));
            }

            return 0;
        });
        return command;
    }
}
