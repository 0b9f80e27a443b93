using System.CommandLine;
using System.Globalization;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Spectre.Console;

namespace Bosun.Cli.Commands.TaskRun;

/// <summary>`bosun task-run inspect ID`: one task run with its error and result.</summary>
internal static class TaskRunInspectCommand
{
    public static Command Create(CliContext context)
    {
        var id = new Argument<Guid>("id") { Description = "The task run's id (see `bosun task-run ls --flow-run RUN`)." };
        var output = OutputOption.Create();
        var command = new BosunCommand("inspect",
            "Show a task run: state, attempts, times, the exception of its last failure, its cache key and its result.",
            "bosun task-run inspect 3f2c0e8a-5b1d-4c7e-9a0f-1d2e3f4a5b6c", "bosun task-run inspect 3f2c0e8a-5b1d-4c7e-9a0f-1d2e3f4a5b6c --output json")
        {
            id, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var run = await client.GetTaskRunAsync(parse.GetValue(id), cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.Write(context.Output, run, BosunJsonContext.Default.TaskRun);
                return 0;
            }

            var result = run.HasResult ? await client.GetTaskRunResultAsync(run.Id, cancellationToken) : null;
            var now = context.Time.GetUtcNow();
            var zone = context.Time.LocalTimeZone;
            new DetailsGrid()
                .Add("Task", new Text(run.TaskName, new Style(Color.Aqua)))
                .Add("Id", run.Id.ToString())
                .Add("Flow run", run.FlowRunId.ToString())
                .Add("State", TaskRunStyles.State(run.State))
                .Add("Attempts", run.Attempts.ToString(CultureInfo.InvariantCulture))
                .Add("Started", RelativeTime.WithClock(run.StartTime, now, zone))
                .Add("Ended", RelativeTime.WithClock(run.EndTime, now, zone))
                .Add("Message", run.Message)
                .Add("Cache key", run.CacheKey)
                .Add("Cached until", run.CacheExpiration is null ? null : RelativeTime.WithClock(run.CacheExpiration, now, zone))
                .Add("Result", result is null ? null : ResultText.Of(result))
                .WriteTo(context.Console);
            return 0;
        });
        return command;
    }
}
