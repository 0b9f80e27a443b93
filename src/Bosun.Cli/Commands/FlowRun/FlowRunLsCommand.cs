using System.CommandLine;
using Bosun.Cli.Commands.Deployment;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Spectre.Console;

namespace Bosun.Cli.Commands.FlowRun;

/// <summary>`bosun flow-run ls [--state S]... [--flow F] [--deployment 'f/d'] [--pool P] [--limit N]`, newest first.</summary>
internal static class FlowRunLsCommand
{
    public static Command Create(CliContext context)
    {
        var states = new Option<string[]>("--state", "-s")
        {
            Description = $"Only runs in these state types ({string.Join(", ", Enum.GetValues<StateType>().Select(t => t.ToWireName()))}); repeat or separate with commas.",
            HelpName = "STATE",
        };
        var flow = new Option<string?>("--flow") { Description = "Only runs of this flow." };
        var deployment = new Option<string?>("--deployment", "-d") { Description = "Only runs of this deployment (flow-name/deployment-name)." };
        var pool = new Option<string?>("--pool", "-p") { Description = "Only runs of this work pool." };
        var parent = new Option<string?>("--parent") { Description = "Only runs started by this run (id or name): its subflows and the deployment runs it started." };
        var limit = new Option<int>("--limit", "-n") { Description = "At most this many runs (1 to 500).", DefaultValueFactory = _ => 20 };
        var output = OutputOption.Create();
        var command = new BosunCommand("ls",
            "List flow runs, newest first.",
            "bosun flow-run ls", "bosun flow-run ls --state FAILED,CRASHED --deployment 'get-repo-info/my-first-deployment' --limit 5", "bosun flow-run ls --parent crimson-fox")
        {
            states, flow, deployment, pool, parent, limit, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(limit) is < 1 or > 500)
            {
                throw new CliException("--limit must be between 1 and 500.");
            }

            var stateTypes = ParseStates(parse.GetValue(states));
            using var client = context.CreateClient(parse);
            Guid? deploymentId = parse.GetValue(deployment) is { } deploymentName
                ? (await DeploymentCommand.GetAsync(client, deploymentName, cancellationToken)).Id
                : null;
            Guid? parentId = parse.GetValue(parent) is { } parentRun ? await FlowRunReference.ResolveAsync(client, parentRun, cancellationToken) : null;
            var page = await client.ListFlowRunsAsync(new FlowRunFilter(stateTypes, deploymentId, parse.GetValue(flow), parse.GetValue(pool),
                Limit: parse.GetValue(limit), ParentFlowRunId: parentId), cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.WriteList(context.Output, page.Items, BosunJsonContext.Default.FlowRunSummary);
                return 0;
            }

            if (page.Items.Count == 0)
            {
                context.Console.WriteLine("No flow runs match. Start one with: bosun deployment run 'flow-name/deployment-name'");
                return 0;
            }

            var now = context.Time.GetUtcNow();
            var table = new Table().Title("Flow runs").AddColumns("Id", "Name", "Deployment", "State", "Expected start", "Duration", "Worker");
            foreach (var run in page.Items)
            {
                table.AddRow(new Text(run.Id.ToString()), new Text(run.Name, new Style(Color.Aqua)),
                    new Text(run.DeploymentName is null ? run.FlowName : $"{run.FlowName}/{run.DeploymentName}"), StateStyles.State(run.State),
                    new Text(RelativeTime.Format(run.ExpectedStartTime, now)),
                    new Text(run.StartTime is null ? "-" : RelativeTime.Duration(run.TotalRunTimeSeconds)), new Text(run.WorkerName ?? "-"));
            }

            context.Console.Write(table);
            if (page.Total > page.Items.Count)
            {
                context.Console.WriteLine($"Showing the newest {page.Items.Count} of {(page.TotalIsLowerBound ? "more than " : "")}{page.Total} runs; see more with --limit.");
            }

            return 0;
        });
        return command;
    }

    private static List<StateType>? ParseStates(string[]? values)
    {
        if (values is null || values.Length == 0)
        {
            return null;
        }

        var types = new List<StateType>();
        foreach (var value in values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!StateTypeExtensions.TryParseWireName(value, out var type))
            {
                throw new CliException($"Unknown state '{value}'; use any of {string.Join(", ", Enum.GetValues<StateType>().Select(t => t.ToWireName()))}.");
            }

            types.Add(type);
        }

        return types;
    }
}
