using System.CommandLine;
using System.Globalization;
using Bosun.Cli.Input;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Spectre.Console;

namespace Bosun.Cli.Commands.Audit;

/// <summary>`bosun audit ls [--since 1h] [--key NAME]`: who changed what through the API (admins only).</summary>
internal static class AuditCommand
{
    public static Command Create(CliContext context)
    {
        var command = new BosunCommand("audit", "Read the audit log: every change made through the API, with the key that made it (admin keys only).",
            "bosun audit ls --since 1h", "bosun audit ls --since 7d --key ci");
        command.Subcommands.Add(LsCommand(context));
        return command;
    }

    private static BosunCommand LsCommand(CliContext context)
    {
        var since = new Option<string?>("--since") { Description = $"How far back to look, like {Durations.Examples} (default: 1d).", HelpName = "DURATION" };
        var key = new Option<string?>("--key") { Description = "Only the changes made with the API key of this name.", HelpName = "NAME" };
        var limit = new Option<int>("--limit") { Description = "Most entries to show.", DefaultValueFactory = _ => 100 };
        var output = OutputOption.Create();
        var command = new BosunCommand("ls", "List audit entries, newest first: time, key, action, route and a summary (never a secret value).",
            "bosun audit ls --since 1h --key ci", "bosun audit ls --output json")
        {
            since, key, limit, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            TimeSpan? window = parse.GetValue(since) is { } text
                ? Durations.TryParse(text, out var parsed) && parsed > TimeSpan.Zero ? parsed : throw new CliException($"--since '{text}' is not a duration; write it like {Durations.Examples}.")
                : null;
            using var client = context.CreateClient(parse);
            var page = await client.ListAuditEntriesAsync(window, parse.GetValue(key), 0, parse.GetValue(limit), cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.WriteList(context.Output, page.Items, BosunJsonContext.Default.AuditEntry);
                return 0;
            }

            if (page.Items.Count == 0)
            {
                context.Console.MarkupLine("No audit entries in this window.");
                return 0;
            }

            var now = context.Time.GetUtcNow();
            var table = new Table().Title($"Audit log ({page.Items.Count} of {page.Total})").AddColumns("Time", "Key", "Action", "Route", "Status", "Summary");
            foreach (var entry in page.Items)
            {
                table.AddRow(new Text(RelativeTime.Format(entry.Time, now)), new Text(entry.KeyName), new Text(entry.Action), new Text(entry.Route),
                    new Text(entry.Status.ToString(CultureInfo.InvariantCulture)), new Text(entry.Summary));
            }

            context.Console.Write(table);
            return 0;
        });
        return command;
    }
}
