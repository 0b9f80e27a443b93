using System.CommandLine;
using Bosun.Cli.Input;
using Bosun.Contracts;
using Bosun.Contracts.Automations;
using Bosun.Contracts.States;

namespace Bosun.Cli.Commands.Automation;

/// <summary>`bosun automation create NAME [flags]` or `bosun automation create --file rule.yaml`.</summary>
internal static class AutomationCreateCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string?>("name") { Description = "The automation's name (overrides the file's).", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<string?>("--file", "-f") { Description = "A YAML or JSON file with name, trigger and actions (the API's shape)." };
        var trigger = new Option<string?>("--trigger") { Description = $"What to watch: {EnumNames.List<AutomationTriggerKind>()} (default run_state)." };
        var states = new Option<string[]>("--state") { Description = "For run_state: a state that fires (repeatable), e.g. FAILED, CRASHED.", AllowMultipleArgumentsPerToken = false };
        var deployment = new Option<string?>("--deployment") { Description = "Only events of this deployment (flow/deployment)." };
        var flow = new Option<string?>("--flow") { Description = "Only runs of this flow." };
        var pool = new Option<string?>("--work-pool") { Description = "Only runs, pools or workers of this work pool." };
        var tag = new Option<string?>("--tag") { Description = "Only runs with this tag." };
        var forMinutes = new Option<double?>("--for-minutes") { Description = "For run_waiting and pool_not_ready: how long the condition must last." };
        var threshold = new Option<int?>("--threshold") { Description = "Fire once per this many matching events (with --within-minutes)." };
        var within = new Option<double?>("--within-minutes") { Description = "The window the --threshold events must fall in." };
        var webhooks = new Option<string[]>("--webhook") { Description = "POST the event to this URL (repeatable)." };
        var notify = new Option<string[]>("--notify") { Description = "POST to the channel whose webhook URL is kept in this secret (repeatable)." };
        var preset = new Option<string?>("--preset") { Description = $"The webhooks' body: {EnumNames.List<WebhookPreset>()} (default event)." };
        var run = new Option<string[]>("--run-deployment") { Description = "Create a run of this deployment (flow/deployment; repeatable)." };
        var pauseDeployment = new Option<bool>("--pause-deployment") { Description = "Pause the event's deployment." };
        var pausePool = new Option<string?>("--pause-work-pool") { Description = "Pause this work pool." };
        var resumePool = new Option<string?>("--resume-work-pool") { Description = "Resume this work pool." };
        var cancel = new Option<bool>("--cancel-run") { Description = "Cancel the event's run." };
        var retry = new Option<bool>("--retry-run") { Description = "Schedule the event's finished run again." };
        var description = new Option<string?>("--description") { Description = "Free text." };
        var paused = new Option<bool>("--paused") { Description = "Create it paused." };
        var command = new BosunCommand("create", "Create an automation: a trigger and the actions it fires, from flags or a YAML file.",
            "bosun automation create notify-failures --state FAILED --state CRASHED --deployment etl/nightly --webhook https://hooks.slack.com/services/T/B/X --preset slack",
            "bosun automation create three-strikes --state FAILED --threshold 3 --within-minutes 10 --pause-deployment",
            "bosun automation create stuck --trigger run_waiting --for-minutes 15 --notify ops-channel",
            "bosun automation create --file automation.yaml")
        {
            name, file, trigger, states, deployment, flow, pool, tag, forMinutes, threshold, within, webhooks, notify, preset, run, pauseDeployment, pausePool,
            resumePool, cancel, retry, description, paused,
        };
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
                var bodyPreset = EnumOption.Parse<WebhookPreset>(parse.GetValue(preset), "--preset");
                var actions = new List<AutomationAction>();
                actions.AddRange((parse.GetValue(webhooks) ?? []).Select(url => new AutomationAction(AutomationActionKind.Webhook, url, Preset: bodyPreset)));
                actions.AddRange((parse.GetValue(notify) ?? []).Select(secret => new AutomationAction(AutomationActionKind.Notify, Secret: secret, Preset: bodyPreset)));
                actions.AddRange((parse.GetValue(run) ?? []).Select(address => new AutomationAction(AutomationActionKind.RunDeployment, Deployment: address)));
                if (parse.GetValue(pauseDeployment))
                {
                    actions.Add(new AutomationAction(AutomationActionKind.PauseDeployment));
                }

                if (parse.GetValue(pausePool) is { } toPause)
                {
                    actions.Add(new AutomationAction(AutomationActionKind.PauseWorkPool, WorkPool: toPause));
                }

                if (parse.GetValue(resumePool) is { } toResume)
                {
                    actions.Add(new AutomationAction(AutomationActionKind.ResumeWorkPool, WorkPool: toResume));
                }

                if (parse.GetValue(cancel))
                {
                    actions.Add(new AutomationAction(AutomationActionKind.CancelRun));
                }

                if (parse.GetValue(retry))
                {
                    actions.Add(new AutomationAction(AutomationActionKind.RetryRun));
                }

                if (actions.Count == 0)
                {
                    throw new CliException("Give at least one action (--webhook, --notify, --run-deployment, --pause-deployment, --pause-work-pool, --resume-work-pool, --cancel-run, --retry-run) or --file.");
                }

                var stateList = (parse.GetValue(states) ?? []).Select(state => StateTypeExtensions.TryParseWireName(state.ToUpperInvariant(), out var type)
                    ? type
                    : throw new CliException($"--state '{state}' is not a state; use one of {string.Join(", ", Enum.GetValues<StateType>().Select(s => s.ToWireName()))}.")).ToList();
                request = new AutomationCreate(
                    parse.GetValue(name) ?? throw new CliException("Name the automation: `bosun automation create NAME ...`."),
                    new AutomationTrigger(
                        EnumOption.Parse<AutomationTriggerKind>(parse.GetValue(trigger), "--trigger") ?? AutomationTriggerKind.RunState,
                        stateList.Count > 0 ? stateList : null,
                        parse.GetValue(deployment),
                        parse.GetValue(flow),
                        parse.GetValue(pool),
                        parse.GetValue(tag),
                        parse.GetValue(forMinutes),
                        parse.GetValue(threshold) ?? 1,
                        parse.GetValue(within)),
                    actions,
                    parse.GetValue(description),
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
