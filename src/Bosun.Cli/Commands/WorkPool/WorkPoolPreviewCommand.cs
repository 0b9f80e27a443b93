using System.CommandLine;
using Bosun.Cli.Commands.Deployment;
using Bosun.Cli.Input;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkPool;

/// <summary>
/// `bosun work-pool preview NAME [--hours H]`: the scheduled runs the pool will deliver soon; with `--job`, the job its
/// base job template renders with its defaults (and `--job-variable` overrides): for a kubernetes pool the Job as YAML.
/// </summary>
internal static class WorkPoolPreviewCommand
{
    public static Command Create(CliContext context)
    {
        var name = WorkPoolCommand.NameArgument();
        var hours = HoursOption();
        var output = OutputOption.Create();
        var job = new Option<bool>("--job") { Description = "Show the job the pool's base job template renders with its defaults (kubernetes: the Job as YAML) instead of the runs." };
        var jobVariables = DeploymentPreviewJobCommand.JobVariableOption();
        var command = new BosunCommand("preview",
            "Show the scheduled runs of a work pool due within the next hours (late runs included), or with --job the job it renders.",
            "bosun work-pool preview my-docker-pool --hours 12",
            "bosun work-pool preview my-k8s-pool --job --job-variable image=flows:1")
        {
            name, hours, output, job, jobVariables,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var poolName = parse.GetValue(name)!;
            if (parse.GetValue(job))
            {
                using var poolClient = context.CreateClient(parse);
                var overrides = KeyValueArguments.Parse(parse.GetValue(jobVariables), "--job-variable");
                // Rendered by the server, as a deployment's preview-job: secrets masked, the worker's environment placeholders visible.
                var preview = await poolClient.PreviewWorkPoolJobAsync(poolName, new JobPreviewRequest(overrides.Count > 0 ? overrides : null), cancellationToken);
                var configuration = preview.Configuration;
                if (parse.IsJson(output))
                {
                    context.Output.WriteLine(JsonOutput.Format(configuration));
                    return 0;
                }

                context.Console.MarkupLineInterpolated($"Job of a run on work pool '{preview.WorkPoolName}' ({preview.WorkPoolType}) with the template's defaults:");
                DeploymentPreviewJobCommand.WriteConfiguration(context, preview.WorkPoolType, configuration);
                DeploymentPreviewJobCommand.WritePolicyFindings(context, preview);
                return 0;
            }

            var window = Hours(parse, hours);
            using var client = context.CreateClient(parse);
            // Reading the pool first turns a misspelt name into "does not exist" instead of an empty preview.
            await client.GetWorkPoolAsync(poolName, cancellationToken);
            var filter = new FlowRunFilter(States: [StateType.Scheduled], WorkPoolName: poolName,
                ExpectedStartBefore: context.Time.GetUtcNow().AddHours(window), Limit: 500);
            await WriteAsync(context, client, filter, parse.IsJson(output), $"work pool '{poolName}'", window, cancellationToken);
            return 0;
        });
        return command;
    }

    public static Option<double> HoursOption() => new("--hours") { Description = "How far ahead to look, in hours.", DefaultValueFactory = _ => 1 };

    public static double Hours(ParseResult parse, Option<double> option) => parse.GetValue(option) is var hours and > 0 and <= 24 * 366
        ? hours
        : throw new CliException("--hours must be more than 0 and at most a year (8784).");

    /// <summary>Shared with `work-queue preview`: the upcoming runs, soonest first.</summary>
    public static async Task WriteAsync(CliContext context, Client.BosunClient client, FlowRunFilter filter, bool json, string what, double hours,
        CancellationToken cancellationToken)
    {
        var page = await client.ListFlowRunsAsync(filter, cancellationToken);
        var runs = page.Items.OrderBy(run => run.State.ScheduledTime ?? run.ExpectedStartTime).ToList();
        if (json)
        {
            JsonOutput.WriteList(context.Output, runs, BosunJsonContext.Default.FlowRunSummary);
            return;
        }

        if (runs.Count == 0)
        {
            context.Console.WriteLine($"No runs of {what} are scheduled in the next {hours:0.##} hour(s).");
            return;
        }

        // Runs that a schedule creates across a daylight-saving change are marked, as `deployment inspect` marks them.
        var acrossDst = new HashSet<DateTimeOffset>();
        foreach (var deploymentName in runs.Where(r => r.DeploymentName is not null && r.Tags.Contains("auto-scheduled"))
                     .Select(r => $"{r.FlowName}/{r.DeploymentName}").Distinct())
        {
            var deployment = await client.GetDeploymentByNameAsync(deploymentName, cancellationToken);
            foreach (var upcoming in await client.GetUpcomingRunsAsync(deployment.Id, 500, cancellationToken))
            {
                if (upcoming.DstChange)
                {
                    acrossDst.Add(upcoming.ScheduledTime);
                }
            }
        }

        var now = context.Time.GetUtcNow();
        var table = new Table().Title($"Scheduled runs of {what.EscapeMarkup()}")
            .AddColumns("Scheduled start", "Run", "Id", "Deployment", "Queue", "State", "Note");
        foreach (var run in runs)
        {
            var when = run.State.ScheduledTime ?? run.ExpectedStartTime;
            table.AddRow(new Text(RelativeTime.WithClock(when, now, context.Time.LocalTimeZone)),
                new Text(run.Name), new Text(run.Id.ToString()), new Text($"{run.FlowName}/{run.DeploymentName}"),
                new Text(run.WorkQueueName ?? "-"), StateStyles.State(run.State),
                acrossDst.Contains(when) ? new Text("DST change", new Style(Color.Yellow)) : new Text(""));
        }

        context.Console.Write(table);
    }
}
