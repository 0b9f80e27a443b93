using System.Globalization;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Spectre.Console;

namespace Bosun.Cli.Output;

/// <summary>One line per state change or log line, as `flow-run logs`, `flow-run watch` and `deployment run --watch` print them.</summary>
internal static class RunOutput
{
    public static void WriteState(CliContext context, FlowRunState state)
    {
        var message = string.IsNullOrWhiteSpace(state.Message) ? "" : $"  [grey]{state.Message.EscapeMarkup()}[/]";
        context.Console.MarkupLine($"{Clock(context, state.Timestamp)} [bold {StateStyles.For(state.Type).ToMarkup()}]{state.Name.EscapeMarkup()}[/]{message}");
    }

    public static void WriteLog(CliContext context, LogEntry entry)
    {
        var level = entry.Level switch
        {
            RunLogLevel.Debug => "[grey]DEBUG   [/]",
            RunLogLevel.Info => "[blue]INFO    [/]",
            RunLogLevel.Warning => "[yellow]WARNING [/]",
            RunLogLevel.Error => "[red]ERROR   [/]",
            _ => "[bold red]CRITICAL[/]",
        };
        context.Console.MarkupLine($"{Clock(context, entry.Timestamp)} {level} {entry.Message.EscapeMarkup()}");
    }

    private static string Clock(CliContext context, DateTimeOffset time) =>
        $"[grey]{TimeZoneInfo.ConvertTime(time, context.Time.LocalTimeZone).ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)}[/]";
}
