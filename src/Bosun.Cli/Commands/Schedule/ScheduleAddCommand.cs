using System.CommandLine;
using Bosun.Cli.Commands.Deployment;
using Bosun.Cli.Input;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Bosun.Contracts.Schedules;
using Spectre.Console;

namespace Bosun.Cli.Commands.Schedule;

/// <summary>`bosun deployment schedule add 'flow/name' --cron EXPR | --interval SECONDS | --rrule RULE`.</summary>
internal static class ScheduleAddCommand
{
    public static Command Create(CliContext context)
    {
        var name = DeploymentCommand.NameArgument();
        var timing = new ScheduleTimingOptions();
        var parameters = new Option<string[]>("--param") { Description = "A parameter of this schedule's runs, k=v (repeatable)." };
        var inactive = new Option<bool>("--inactive") { Description = "Add it paused." };
        var output = OutputOption.Create();
        var command = new BosunCommand("add", "Add a schedule to a deployment; its runs are created ahead of time by the server's scheduler.",
            "bosun deployment schedule add 'etl/nightly' --cron '0 2 * * *' --timezone Europe/Berlin",
            "bosun deployment schedule add 'etl/poll' --interval 15m",
            "bosun deployment schedule add 'etl/weekly' --rrule 'FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0' --tz America/New_York")
        {
            name, timing.Cron, timing.Interval, timing.Anchor, timing.RRule, timing.Timezone, parameters, inactive, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var when = timing.Read(parse);
            var spec = new ScheduleSpec(when.Cron, when.IntervalSeconds, when.Anchor, when.RRule, when.Timezone,
                !parse.GetValue(inactive), KeyValueArguments.Parse(parse.GetValue(parameters), "--param"));
            using var client = context.CreateClient(parse);
            var deployment = await DeploymentCommand.GetAsync(client, parse.GetValue(name)!, cancellationToken);
            var schedule = await client.AddScheduleAsync(deployment.Id, spec, cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.Write(context.Output, schedule, BosunJsonContext.Default.DeploymentSchedule);
                return 0;
            }

            context.Console.MarkupLineInterpolated($"Added schedule [aqua]{schedule.Id}[/] to '{deployment.FullName}': {ScheduleCommand.Describe(schedule)}.");
            var upcoming = await client.GetUpcomingRunsAsync(deployment.Id, 5, cancellationToken);
            if (upcoming.Count > 0)
            {
                context.Console.Write(ScheduleCommand.UpcomingTable(upcoming));
            }

            return 0;
        });
        return command;
    }
}
