using System.CommandLine;
using Bosun.Contracts.Automations;

namespace Bosun.Cli.Commands.Automation;

/// <summary>`bosun automation create NAME [flags]` or `bosun automation create --file rule.yaml`.</summary>
internal static class AutomationCreateCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string?>("name") { Description = "The automation's name (overrides the file's).", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<string?>("--file", "-f") { Description = "A YAML or JSON file with name, trigger and actions (the API's shape)." };
        var flags = new AutomationFlags();
        var paused = new Option<bool>("--paused") { Description = "Create it paused." };
        var command = new BosunCommand("create", "Create an automation: a trigger and the actions it fires, from flags or a YAML file.",
            "bosun automation create notify-failures --state FAILED --state CRASHED --deployment etl/nightly --webhook https://hooks.slack.com/services/T/B/X --preset slack",
            "bosun automation create three-strikes --state FAILED --threshold 3 --within-minutes 10 --pause-deployment",
            "bosun automation create stuck --trigger run_waiting --for-minutes 15 --notify ops-channel",
            "bosun automation create --file automation.yaml")
        {
            name, file, paused,
        };
        foreach (var option in flags.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            AutomationCreate request;
            if (parse.GetValue(file) is { } path)
            {
                request = AutomationFile.Read(path);
                request = parse.GetValue(name) is { } rename ? request with { Name = rename } : request;
            }
            else
            {
                var actions = flags.Actions(parse);
                if (actions.Count == 0)
                {
                    throw new CliException($"Give at least one action ({AutomationFlags.ActionFlagList}) or --file.");
                }

                request = new AutomationCreate(
                    parse.GetValue(name) ?? throw new CliException("Name the automation: `bosun automation create NAME ...`."),
                    flags.TriggerFrom(parse, null),
                    actions,
                    parse.GetValue(flags.Description),
                    !parse.GetValue(paused));
            }

            using var client = context.CreateClient(parse);
            var automation = await client.CreateAutomationAsync(request, cancellationToken);
            await context.Output.WriteLineAsync(
                $"Created automation '{automation.Name}' ({automation.Id}){(automation.Enabled ? "" : ", paused")}. See its deliveries with: bosun automation history {automation.Name}");
            return 0;
        });
        return command;
    }
}
