using System.CommandLine;
using Bosun.Cli.Output;
using Bosun.Contracts.Schedules;
using Spectre.Console;

namespace Bosun.Cli.Commands.Schedule;

/// <summary>`bosun deployment schedule ...`: the schedules of a deployment.</summary>
internal static class ScheduleCommand
{
    public static Command Create(CliContext context)
    {
        var command = new BosunCommand("schedule",
            "Add, list, pause, resume and delete the schedules of a deployment (cron, interval, rrule); preview a schedule's next times.",
            "bosun deployment schedule add 'etl/nightly' --cron '0 2 * * *' --timezone Europe/Berlin",
            "bosun deployment schedule ls 'etl/nightly'",
            "bosun deployment schedule preview --cron '0 9 * * 1-5' --timezone Europe/Berlin");
        command.Subcommands.Add(ScheduleAddCommand.Create(context));
        command.Subcommands.Add(ScheduleLsCommand.Create(context));
        command.Subcommands.Add(ScheduleActiveCommand.Create(context, "pause", active: false));
        command.Subcommands.Add(ScheduleActiveCommand.Create(context, "resume", active: true));
        command.Subcommands.Add(ScheduleDeleteCommand.Create(context));
        command.Subcommands.Add(SchedulePreviewCommand.Create(context));
        return command;
    }

    public static Argument<string> ScheduleIdArgument() => new("schedule-id") { Description = "The schedule's id (see `bosun deployment schedule ls`)." };

    public static Guid ParseId(string text) =>
        Guid.TryParse(text, out var id) ? id : throw new CliException($"'{text}' is not a schedule id; list them with `bosun deployment schedule ls 'flow/deployment'`.");

    /// <summary>An --anchor: ISO 8601, UTC when it names no offset.</summary>
    public static DateTimeOffset? ParseAnchor(string? text) => text is null
        ? null
        : DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed
            : throw new CliException($"--anchor '{text}' is not a time; write it as ISO 8601, e.g. 2026-01-05T09:00:00+01:00.");

    /// <summary>One line describing a schedule: "cron 0 2 * * * (Europe/Berlin)".</summary>
    public static string Describe(DeploymentSchedule schedule) => schedule.Kind switch
    {
        "cron" => $"cron {schedule.Cron} ({schedule.Timezone})",
        "interval" => $"every {TimeSpan.FromSeconds(schedule.IntervalSeconds ?? 0)} from {schedule.Anchor:u} ({schedule.Timezone})",
        _ => $"rrule {schedule.RRule} ({schedule.Timezone})",
    };

    /// <summary>A table of upcoming runs; those across a DST change are marked.</summary>
    public static Table UpcomingTable(IReadOnlyList<UpcomingRun> upcoming) =>
        upcoming.Aggregate(new Table().Title("Next runs").AddColumns("When (local)", "UTC", "Note"), (table, run) => table.AddRow(
            new Text(run.LocalTime), new Text(run.ScheduledTime.ToString("u", System.Globalization.CultureInfo.InvariantCulture)),
            run.DstChange ? new Text("DST change", new Style(Color.Yellow)) : new Text("")));

    public static Text ActiveText(bool active) => active ? new Text("active", new Style(Color.Green)) : new Text("paused", new Style(Color.Grey));

    internal static void WriteList(CliContext context, IReadOnlyList<DeploymentSchedule> schedules)
    {
        var table = new Table().Title("Schedules").AddColumns("Id", "Schedule", "Status", "Parameters", "Skipped");
        foreach (var schedule in schedules)
        {
            table.AddRow(new Text(schedule.Id.ToString()), new Text(Describe(schedule)), ActiveText(schedule.Active), new Text(JsonOutput.Format(schedule.Parameters)),
                new Text(schedule.SkippedRuns.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        context.Console.Write(table);
    }
}
