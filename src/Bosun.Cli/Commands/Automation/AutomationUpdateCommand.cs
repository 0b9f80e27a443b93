using System.CommandLine;
using Bosun.Contracts.Automations;

namespace Bosun.Cli.Commands.Automation;

/// <summary>`bosun automation update NAME [flags]` or `bosun automation update NAME --file rule.yaml`: change a rule in place.</summary>
internal static class AutomationUpdateCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The automation's name or id." };
        var file = new Option<string?>("--file", "-f") { Description = "A YAML or JSON file in create's shape: its trigger, actions and description replace the rule's (its name is ignored; see --rename)." };
        var rename = new Option<string?>("--rename") { Description = "A new name." };
        var flags = new AutomationFlags();
        var command = new BosunCommand("update",
            "Change an automation in place: trigger flags change those fields of its trigger (--trigger with another kind starts a new trigger), action flags replace its actions, or --file replaces trigger, actions and description. Its ledger stays; pause and resume it with `bosun automation pause|resume`.",
            "bosun automation update notify-failures --state FAILED --state CRASHED",
            "bosun automation update notify-failures --webhook https://hooks.example.com/new --preset slack",
            "bosun automation update three-strikes --threshold 5 --within-minutes 30 --rename five-strikes",
            "bosun automation update notify-failures --file automation.yaml")
        {
            name, file, rename,
        };
        foreach (var option in flags.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var target = parse.GetValue(name)!;
            using var client = context.CreateClient(parse);
            AutomationUpdate update;
            if (parse.GetValue(file) is { } path)
            {
                if (flags.AnyTrigger(parse) || flags.AnyAction(parse))
                {
                    throw new CliException("Give either --file or trigger and action flags, not both.");
                }

                var definition = AutomationFile.Read(path);
                update = new AutomationUpdate(parse.GetValue(rename), definition.Trigger, definition.Actions,
                    parse.GetValue(flags.Description) ?? definition.Description ?? "");
            }
            else
            {
                var trigger = flags.AnyTrigger(parse) ? flags.TriggerFrom(parse, (await client.GetAutomationAsync(target, cancellationToken)).Trigger) : null;
                var actions = flags.AnyAction(parse) ? flags.Actions(parse) : null;
                if (actions is { Count: 0 })
                {
                    throw new CliException($"--preset alone names no action; give the actions ({AutomationFlags.ActionFlagList}) it applies to.");
                }

                update = new AutomationUpdate(parse.GetValue(rename), trigger, actions, parse.GetValue(flags.Description));
                if (update == new AutomationUpdate())
                {
                    throw new CliException($"Nothing to change: give trigger flags, action flags ({AutomationFlags.ActionFlagList}), --description, --rename or --file.");
                }
            }

            var automation = await client.UpdateAutomationAsync(target, update, cancellationToken);
            await context.Output.WriteLineAsync($"Updated automation '{automation.Name}': {automation.Trigger.Describe()} → {string.Join(", ", automation.Actions.Select(action => Contracts.EnumNames.Of(action.Kind)))}.");
            return 0;
        });
        return command;
    }
}
