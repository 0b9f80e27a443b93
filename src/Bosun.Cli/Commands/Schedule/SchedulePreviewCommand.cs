using System.CommandLine;
using Bosun.Cli.Input;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Bosun.Contracts.Schedules;
using Spectre.Console;

namespace Bosun.Cli.Commands.Schedule;

/// <summary>
/// `bosun deployment schedule preview --cron EXPR | --interval SECONDS | --rrule RULE [--timezone ZONE] [--count N]`: a dry
/// run of a schedule, its next times as the server reads it (POST /api/schedules/preview); nothing is saved.
/// </summary>
internal static class SchedulePreviewCommand
{
    public static Command Create(CliContext context)
    {
        var cron = new Option<string?>("--cron") { Description = "A 5-field cron expression, e.g. '0 9 * * MON-FRI'." };
        var interval = new Option<string?>("--interval") { Description = "Every N seconds, or a duration such as 30m, 6h, 1d." };
        var anchor = new Option<string?>("--anchor") { Description = "Where an interval or rrule starts (ISO 8601; default now)." };
        var rrule = new Option<string?>("--rrule") { Description = "An RFC 5545 rule, e.g. 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0'." };
        var timezone = new Option<string?>("--timezone", "--tz") { Description = "IANA time zone the schedule is read in (default UTC)." };
        var count = new Option<int>("--count", "-n") { Description = "How many of the next times to show, 1 to 100.", DefaultValueFactory = _ => 5 };
        var output = OutputOption.Create();
        var command = new BosunCommand("preview",
            "Show the next times a schedule would fire, in UTC and in its time zone (DST changes marked), without saving it or needing a deployment.",
            "bosun deployment schedule preview --cron '0 9 * * 1-5' --timezone Europe/Berlin --count 5",
            "bosun deployment schedule preview --interval 1d --anchor 2026-03-27T09:00:00+01:00 --tz Europe/Berlin",
            "bosun deployment schedule preview --rrule 'FREQ=MONTHLY;BYDAY=1MO;BYHOUR=8;BYMINUTE=0' --tz America/New_York --output json")
        {
            cron, interval, anchor, rrule, timezone, count, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            double? seconds = parse.GetValue(interval) is { } text ? StartTime.ParseDuration(text, "--interval").TotalSeconds : null;
            var request = new SchedulePreviewRequest(parse.GetValue(cron), seconds, ScheduleCommand.ParseAnchor(parse.GetValue(anchor)), parse.GetValue(rrule),
                parse.GetValue(timezone), parse.GetValue(count));
            using var client = context.CreateClient(parse);
            var upcoming = await client.PreviewScheduleAsync(request, cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.WriteList(context.Output, upcoming, BosunJsonContext.Default.UpcomingRun);
                return 0;
            }

            if (upcoming.Count == 0)
            {
                context.Console.WriteLine("The schedule fires no more times (its rule has ended).");
                return 0;
            }

            context.Console.Write(ScheduleCommand.UpcomingTable(upcoming));
            return 0;
        });
        return command;
    }
}
