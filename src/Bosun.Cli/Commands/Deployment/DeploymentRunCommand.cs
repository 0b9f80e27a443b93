using System.CommandLine;
using System.Text.Json.Nodes;
using Bosun.Cli.Commands.FlowRun;
using Bosun.Cli.Input;
using Bosun.Cli.Output;
using Bosun.Contracts.FlowRuns;
using Spectre.Console;

namespace Bosun.Cli.Commands.Deployment;

/// <summary>
/// `bosun deployment run 'flow/name' [--param k=v]... [--params JSON] [--job-variable k=v]... [--start-in 5m | --start-at TIME]
/// [--tag T]... [--watch]`.
/// </summary>
internal static class DeploymentRunCommand
{
    public static Command Create(CliContext context)
    {
        var name = DeploymentCommand.NameArgument();
        var param = new Option<string[]>("--param")
        {
            Description = "A parameter, key=value; the value is read as JSON when it is JSON (3, true, [1,2]), else as text. Repeatable; wins over --params.",
            HelpName = "key=value",
            Arity = ArgumentArity.OneOrMore,
        };
        var parameters = new Option<string?>("--params") { Description = "All parameters as one JSON object, e.g. '{\"repoName\": \"dotnet/runtime\"}'.", HelpName = "JSON" };
        var jobVariables = DeploymentPreviewJobCommand.JobVariableOption();
        var startIn = new Option<string?>("--start-in") { Description = "Schedule the run this far ahead: 30s, 5m, 2h, 1d, 1h30m.", HelpName = "DURATION" };
        var startAt = new Option<string?>("--start-at") { Description = "Schedule the run at this time (ISO 8601, e.g. 2025-01-05T14:00:00+01:00).", HelpName = "TIME" };
        var tags = new Option<string[]>("--tag") { Description = "A tag for the run, added to the deployment's. Repeatable.", Arity = ArgumentArity.OneOrMore };
        var watch = new Option<bool>("--watch", "-w") { Description = "Follow the run's states and logs until it finishes; exit code 0 when it completed, 1 otherwise." };
        var command = new BosunCommand("run",
            "Create a flow run of a deployment; a worker of its pool picks it up.",
            "bosun deployment run 'get-repo-info/my-first-deployment'",
            "bosun deployment run 'get-repo-info/my-first-deployment' --param repoName=dotnet/runtime --watch",
            "bosun deployment run 'etl/nightly' --params '{\"day\": \"2025-01-05\"}' --start-in 2h --tag backfill")
        {
            name, param, parameters, jobVariables, startIn, startAt, tags, watch,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var values = parse.GetValue(parameters) is { } text ? JsonInput.ParseObject(text, "--params") : [];
            KeyValueArguments.Parse(parse.GetValue(param), "--param", values);
            var variables = KeyValueArguments.Parse(parse.GetValue(jobVariables), "--job-variable");
            var scheduled = StartTime.Resolve(parse.GetValue(startIn), parse.GetValue(startAt), context.Time);
            var runTags = parse.GetValue(tags) is { Length: > 0 } given ? given : null;

            using var client = context.CreateClient(parse);
            var deployment = await DeploymentCommand.GetAsync(client, parse.GetValue(name)!, cancellationToken);
            CheckParameters(deployment, values);
            var run = await client.CreateFlowRunAsync(deployment.Id,
                new FlowRunCreate(values.Count > 0 ? values : null, variables.Count > 0 ? variables : null, runTags, scheduled), cancellationToken);

            var now = context.Time.GetUtcNow();
            context.Console.MarkupLineInterpolated($"[green]Created flow run '{run.Name}' of deployment '{deployment.FullName}'.[/]");
            new DetailsGrid()
                .Add("Id", run.Id.ToString())
                .Add("Scheduled start", scheduled is null ? "now" : RelativeTime.WithClock(scheduled, now, context.Time.LocalTimeZone))
                .Add("Parameters", JsonOutput.Format(run.Parameters))
                .Add("Work pool", run.WorkPoolName is null ? "(served)" : $"{run.WorkPoolName} (queue {run.WorkQueueName})")
                .WriteTo(context.Console);
            if (!parse.GetValue(watch))
            {
                context.Console.MarkupLineInterpolated($"Follow it with: [bold]bosun flow-run watch {run.Id}[/]");
                return 0;
            }

            using var following = context.CreateFollowingClient(parse);
            var finished = await RunWatcher.WatchAsync(context, following, run.Id, showLogs: true, cancellationToken);
            return RunWatcher.Conclude(context, run.Id, finished);
        });
        return command;
    }

    /// <summary>An unknown name is caught here, before anything is created, with the names the flow takes.</summary>
    private static void CheckParameters(Contracts.Deployments.Deployment deployment, JsonObject values)
    {
        if (deployment.ParameterSchema?["properties"] is not JsonObject properties)
        {
            return;
        }

        var unknown = values.Select(pair => pair.Key).Where(key => !properties.ContainsKey(key)).ToList();
        if (unknown.Count == 0)
        {
            return;
        }

        var known = properties.Count == 0 ? "it takes no parameters" : $"known parameters: {string.Join(", ", properties.Select(pair => pair.Key))}";
        throw new CliException(
            $"Deployment '{deployment.FullName}' has no parameter{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(key => $"'{key}'"))} ({known}).");
    }
}
