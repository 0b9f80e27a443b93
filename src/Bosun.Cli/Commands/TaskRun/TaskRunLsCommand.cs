using System.CommandLine;
using System.Globalization;
using Bosun.Cli.Commands.FlowRun;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Spectre.Console;

namespace Bosun.Cli.Commands.TaskRun;

/// <summary>`bosun task-run ls --flow-run RUN`: a flow run's task runs, in the order they were called.</summary>
internal static class TaskRunLsCommand
{
    public static Command Create(CliContext context)
    {
        var flowRun = new Option<string>("--flow-run", "-r") { Description = "The flow run's id or name.", Required = true };
        var output = OutputOption.Create();
        var command = new BosunCommand("ls",
            "List a flow run's task runs, in the order they were called.",
            "bosun task-run ls --flow-run crimson-fox", "bosun task-run ls --flow-run crimson-fox --output json")
        {
            flowRun, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var runId = await FlowRunReference.ResolveAsync(client, parse.GetValue(flowRun)!, cancellationToken);
            var taskRuns = await client.ListTaskRunsAsync(runId, cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.WriteList(context.Output, taskRuns, BosunJsonContext.Default.TaskRun);
                return 0;
            }

            if (taskRuns.Count == 0)
            {
                context.Console.WriteLine("This flow run has no task runs: its flow called no [Task] method through Tasks.RunAsync.");
                return 0;
            }

            var now = context.Time.GetUtcNow();
            var table = new Table().Title("Task runs").AddColumns("Id", "Task", "State", "Attempts", "Started", "Duration", "Message");
            foreach (var run in taskRuns)
            {
                var firstLine = run.Message?.Split('\n', 2)[0] ?? "";
                table.AddRow(new Text(run.Id.ToString()), new Text(run.TaskName, new Style(Color.Aqua)), TaskRunStyles.State(run.State),
                    new Text(run.Attempts.ToString(CultureInfo.InvariantCulture)), new Text(RelativeTime.Format(run.StartTime, now)),
                    new Text(run.StartTime is { } start && run.EndTime is { } end ? RelativeTime.Duration((end - start).TotalSeconds) : "-"),
                    new Text(firstLine.Length > 80 ? firstLine[..77] + "..." : firstLine));
            }

            context.Console.Write(table);
            return 0;
        });
        return command;
    }
}
