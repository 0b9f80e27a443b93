using System.CommandLine;
using System.Globalization;
using Bosun.Cli.Output;
using Bosun.Client;
using Bosun.Contracts;
using Bosun.Contracts.Results;
using Bosun.Contracts.States;
using Spectre.Console;

namespace Bosun.Cli.Commands.FlowRun;

/// <summary>`bosun flow-run inspect ID`.</summary>
internal static class FlowRunInspectCommand
{
    public static Command Create(CliContext context)
    {
        var id = FlowRunReference.Argument();
        var output = OutputOption.Create();
        var resultOnly = new Option<bool>("--result")
        {
            Description = "Print only the run's result, whole, as JSON (however large; a gzip-json result decoded). An error when it recorded none.",
        };
        var command = new BosunCommand("inspect",
            "Show a flow run: its state, why it waits, its parameters, worker and infrastructure, its parent and child runs, its result.",
            "bosun flow-run inspect crimson-fox", "bosun flow-run inspect 3f2c0e8a-5b1d-4c7e-9a0f-1d2e3f4a5b6c --output json",
            "bosun flow-run inspect crimson-fox --result > result.json")
        {
            id, output, resultOnly,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var run = await client.GetFlowRunAsync(await FlowRunReference.ResolveAsync(client, parse.GetValue(id)!, cancellationToken), cancellationToken);
            if (parse.GetValue(resultOnly))
            {
                // The value itself, for a file or a pipe: the details grid cuts a long one (ResultText).
                JsonOutput.WriteNode(context.Output, (await client.GetFlowRunResultAsync(run.Id, cancellationToken)).Readable().Value);
                return 0;
            }

            if (parse.IsJson(output))
            {
                JsonOutput.Write(context.Output, run, BosunJsonContext.Default.FlowRun);
                return 0;
            }

            RunResult? result = null;
            try
            {
                result = await client.GetFlowRunResultAsync(run.Id, cancellationToken);
            }
            catch (BosunApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                // No result recorded: the flow returns nothing or has not completed.
            }

            var children = await client.ListFlowRunsAsync(new Contracts.FlowRuns.FlowRunFilter(ParentFlowRunId: run.Id, Limit: 500), cancellationToken);
            var parent = run.ParentFlowRunId is { } parentId ? await client.GetFlowRunAsync(parentId, cancellationToken) : null;
            var now = context.Time.GetUtcNow();
            var zone = context.Time.LocalTimeZone;
            var state = string.IsNullOrWhiteSpace(run.State.Message)
                ? (Spectre.Console.Rendering.IRenderable)StateStyles.State(run.State)
                : new Markup($"[{StateStyles.For(run.State.Type).ToMarkup()}]{run.State.Name.EscapeMarkup()}[/] [grey]{run.State.Message.EscapeMarkup()}[/]");
            new DetailsGrid()
                .Add("Name", new Text(run.Name, new Style(Color.Aqua)))
                .Add("Id", run.Id.ToString())
                .Add("Deployment", run.DeploymentName is null ? run.FlowName : $"{run.FlowName}/{run.DeploymentName}")
                .Add("Parent", parent is null ? null : $"{parent.Name} ({parent.Id}){(run.ParentTaskRunId is { } task ? $", from task run {task}" : "")}")
                .Add("Child runs", children.Total == 0 ? null : string.Join(Environment.NewLine, children.Items.Select(c =>
                    $"{c.Name} {c.FlowName}{(c.DeploymentName is null ? "" : "/" + c.DeploymentName)} {c.State.Type.ToWireName()} ({c.Id})")))
                .Add("State", state)
                .Add("Waiting", run.WaitingReason)
                .Add("Work pool", run.WorkPoolName is null ? null : $"{run.WorkPoolName} (queue {run.WorkQueueName})")
                .Add("Expected start", RelativeTime.WithClock(run.ExpectedStartTime, now, zone))
                .Add("Next scheduled", run.NextScheduledStartTime is null ? null : RelativeTime.WithClock(run.NextScheduledStartTime, now, zone))
                .Add("Started", RelativeTime.WithClock(run.StartTime, now, zone))
                .Add("Ended", RelativeTime.WithClock(run.EndTime, now, zone))
                .Add("Run time", RelativeTime.Duration(run.TotalRunTimeSeconds))
                .Add("Run count", run.RunCount.ToString(CultureInfo.InvariantCulture))
                .Add("Worker", run.WorkerName)
                .Add("Infrastructure", run.InfrastructureId)
                .Add("Parameters", JsonOutput.Format(run.Parameters))
                .Add("Job variables", run.JobVariables.Count == 0 ? null : JsonOutput.Format(run.JobVariables))
                .Add("Tags", string.Join(", ", run.Tags))
                .Add("Result", result is null ? null : ResultText.Of(result))
                .Add("Resume input", run.PauseInputSchema is null ? null : $"{JsonOutput.Format(run.PauseInputSchema)}{Environment.NewLine}resume with: bosun flow-run resume {run.Id} --input name=value")
                .Add("Pause timeout", run.PauseTimeout is null ? null : RelativeTime.WithClock(run.PauseTimeout, now, zone))
                .WriteTo(context.Console);
            return 0;
        });
        return command;
    }
}
