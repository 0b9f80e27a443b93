using System.CommandLine;
using System.Globalization;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Bosun.Contracts.Automations;
using Spectre.Console;

namespace Bosun.Cli.Commands.Automation;

/// <summary>`bosun automation create|update|ls|inspect|pause|resume|delete|history`: rules that react to what happens on the server.</summary>
internal static class AutomationCommand
{
    public static Command Create(CliContext context)
    {
        var command = new BosunCommand("automation",
            "React to events: when a run fails, waits too long, a pool has no worker, a worker goes offline or a slot is skipped, call a webhook or act on the server.",
            "bosun automation create notify-failures --state FAILED --webhook https://example.com/hook", "bosun automation ls", "bosun automation history notify-failures");
        command.Subcommands.Add(AutomationCreateCommand.Create(context));
        command.Subcommands.Add(AutomationUpdateCommand.Create(context));
        command.Subcommands.Add(LsCommand(context));
        command.Subcommands.Add(InspectCommand(context));
        command.Subcommands.Add(EnableCommand(context, "pause", "Pause an automation: events while it is paused are ignored.", enable: false));
        command.Subcommands.Add(EnableCommand(context, "resume", "Resume a paused automation.", enable: true));
        command.Subcommands.Add(DeleteCommand(context));
        command.Subcommands.Add(HistoryCommand(context));
        return command;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "The automation's name or id." };

    private static BosunCommand LsCommand(CliContext context)
    {
        var output = OutputOption.Create();
        var command = new BosunCommand("ls", "List automations.", "bosun automation ls", "bosun automation ls -o json") { output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var automations = await client.ListAutomationsAsync(cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.WriteList(context.Output, automations, BosunJsonContext.Default.Automation);
                return 0;
            }

            var table = new Table().Title("Automations").AddColumns("Name", "Status", "Trigger", "Actions");
            foreach (var automation in automations)
            {
                table.AddRow(Markup.Escape(automation.Name), automation.Enabled ? "[green]Active[/]" : "[grey]Paused[/]", Markup.Escape(automation.Trigger.Describe()),
                    Markup.Escape(string.Join(", ", automation.Actions.Select(action => EnumNames.Of(action.Kind)))));
            }

            context.Console.Write(table);
            return 0;
        });
        return command;
    }

    private static BosunCommand InspectCommand(CliContext context)
    {
        var name = NameArgument();
        var output = OutputOption.Create();
        var command = new BosunCommand("inspect", "Show an automation: its trigger and actions.", "bosun automation inspect notify-failures -o json") { name, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var automation = await client.GetAutomationAsync(parse.GetValue(name)!, cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.Write(context.Output, automation, BosunJsonContext.Default.Automation);
                return 0;
            }

            var grid = new DetailsGrid()
                .Add("Name", new Text(automation.Name, new Style(Color.Aqua)))
                .Add("Id", automation.Id.ToString())
                .Add("Status", automation.Enabled ? "Active" : "Paused")
                .Add("Description", automation.Description)
                .Add("Trigger", automation.Trigger.Describe());
            for (var index = 0; index < automation.Actions.Count; index++)
            {
                var action = automation.Actions[index];
                grid.Add($"Action {index + 1}", $"{EnumNames.Of(action.Kind)} {action.Url ?? action.Secret ?? action.Deployment ?? action.WorkPool}".TrimEnd());
            }

            grid.WriteTo(context.Console);
            return 0;
        });
        return command;
    }

    private static BosunCommand EnableCommand(CliContext context, string verb, string description, bool enable)
    {
        var name = NameArgument();
        var command = new BosunCommand(verb, description, $"bosun automation {verb} notify-failures") { name };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var automation = enable
                ? await client.ResumeAutomationAsync(parse.GetValue(name)!, cancellationToken)
                : await client.PauseAutomationAsync(parse.GetValue(name)!, cancellationToken);
            await context.Output.WriteLineAsync($"{(enable ? "Resumed" : "Paused")} automation '{automation.Name}'.");
            return 0;
        });
        return command;
    }

    private static BosunCommand DeleteCommand(CliContext context)
    {
        var name = NameArgument();
        var command = new BosunCommand("delete", "Delete an automation and its ledger; deliveries not yet made are dropped.", "bosun automation delete notify-failures") { name };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            await client.DeleteAutomationAsync(parse.GetValue(name)!, cancellationToken);
            await context.Output.WriteLineAsync($"Deleted automation '{parse.GetValue(name)}'.");
            return 0;
        });
        return command;
    }

    private static BosunCommand HistoryCommand(CliContext context)
    {
        var name = NameArgument();
        var limit = new Option<int>("--limit") { Description = "How many deliveries, newest first.", DefaultValueFactory = _ => 50 };
        var output = OutputOption.Create();
        var command = new BosunCommand("history", "The ledger: every firing's deliveries, with their attempts and HTTP outcomes.",
            "bosun automation history notify-failures", "bosun automation history notify-failures -o json") { name, limit, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var history = await client.AutomationHistoryAsync(parse.GetValue(name)!, parse.GetValue(limit), cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.WriteList(context.Output, history, BosunJsonContext.Default.AutomationDelivery);
                return 0;
            }

            var now = context.Time.GetUtcNow();
            var table = new Table().Title($"Deliveries of {Markup.Escape(parse.GetValue(name)!)}").AddColumns("Fired", "Event", "Action", "Status", "Attempts", "Last outcome");
            foreach (var delivery in history)
            {
                var status = delivery.Status switch
                {
                    DeliveryStatus.Delivered => "[green]DELIVERED[/]",
                    DeliveryStatus.Failed => "[red]FAILED[/]",
                    _ => $"[yellow]PENDING[/] (next {RelativeTime.Format(delivery.NextAttempt ?? now, now)})",
                };
                var last = delivery.AttemptLog.Count == 0 ? "" : delivery.AttemptLog[^1] is var attempt && attempt.Error is { } error
                    ? $"{(attempt.StatusCode is { } code ? $"{code} " : "")}{error}"
                    : $"{attempt.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "ok"} in {attempt.DurationMs} ms";
                table.AddRow(RelativeTime.Format(delivery.Created, now), Markup.Escape(delivery.EventKey), $"{delivery.ActionIndex + 1}. {EnumNames.Of(delivery.ActionKind)}",
                    status, delivery.Attempts.ToString(CultureInfo.InvariantCulture), Markup.Escape(last));
            }

            context.Console.Write(table);
            return 0;
        });
        return command;
    }
}
