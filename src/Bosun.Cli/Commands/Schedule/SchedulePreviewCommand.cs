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
        var timing = new ScheduleTimingOptions();
        var count = new Option<int>("--count", "-n") { Description = "How many of the next times to show, 1 to 100.", DefaultValueFactory = _ => 5 };
        var output = OutputOption.Create();
        var command = new BosunCommand("preview",
            "Show the next times a schedule would fire, in UTC and in its time zone (DST changes marked), without saving it or needing a deployment.",
            "bosun deployment schedule preview --cron '0 9 * * 1-5' --timezone Europe/Berlin --count 5",
            "bosun deployment schedule preview --interval 1d --anchor 2026-03-27T09:00:00+01:00 --tz Europe/Berlin",
            "bosun deployment schedule preview --rrule 'FREQ=MONTHLY;BYDAY=1MO;BYHOUR=8;BYMINUTE=0' --tz America/New_York --output json")
        {
            timing.Cron, timing.Interval, timing.Anchor, timing.RRule, timing.Timezone, count, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var when = timing.Read(parse);
            var request = new SchedulePreviewRequest(when.Cron, when.IntervalSeconds, when.Anchor, when.RRule, when.Timezone, parse.GetValue(count));
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
