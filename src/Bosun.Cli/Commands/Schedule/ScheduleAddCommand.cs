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
        var cron = new Option<string?>("--cron") { Description = "A 5-field cron expression, e.g. '0 9 * * MON-FRI'." };
        var interval = new Option<string?>("--interval") { Description = "Every N seconds, or a duration such as 30m, 6h, 1d." };
        var anchor = new Option<string?>("--anchor") { Description = "Where an interval or rrule starts (ISO 8601; default now)." };
        var rrule = new Option<string?>("--rrule") { Description = "An RFC 5545 rule, e.g. 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0'." };
        var timezone = new Option<string?>("--timezone", "--tz") { Description = "IANA time zone the schedule is read in (default UTC)." };
        var parameters = new Option<string[]>("--param") { Description = "A parameter of this schedule's runs, k=v (repeatable)." };
        var inactive = new Option<bool>("--inactive") { Description = "Add it paused." };
        var output = OutputOption.Create();
        var command = new BosunCommand("add", "Add a schedule to a deployment; its runs are created ahead of time by the server's scheduler.",
            "bosun deployment schedule add 'etl/nightly' --cron '0 2 * * *' --timezone Europe/Berlin",
            "bosun deployment schedule add 'etl/poll' --interval 15m",
            "bosun deployment schedule add 'etl/weekly' --rrule 'FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0' --tz America/New_York")
        {
            name, cron, interval, anchor, rrule, timezone, parameters, inactive, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            double? seconds = parse.GetValue(interval) is { } text ? StartTime.ParseDuration(text, "--interval").TotalSeconds : null;
            var anchorTime = ScheduleCommand.ParseAnchor(parse.GetValue(anchor));
            var spec = new ScheduleSpec(parse.GetValue(cron), seconds, anchorTime, parse.GetValue(rrule), parse.GetValue(timezone),
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
