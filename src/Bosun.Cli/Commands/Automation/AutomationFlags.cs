using System.CommandLine;
using Bosun.Cli.Input;
using Bosun.Contracts;
using Bosun.Contracts.Automations;
using Bosun.Contracts.States;

namespace Bosun.Cli.Commands.Automation;

/// <summary>The trigger and action flags `bosun automation create` and `bosun automation update` share.</summary>
internal sealed class AutomationFlags
{
    public Option<string?> Trigger { get; } = new("--trigger") { Description = $"What to watch: {EnumNames.List<AutomationTriggerKind>()} (default run_state)." };
    public Option<string[]> States { get; } = new("--state") { Description = "For run_state: a state that fires (repeatable), e.g. FAILED, CRASHED.", AllowMultipleArgumentsPerToken = false };
    public Option<string?> Deployment { get; } = new("--deployment") { Description = "Only events of this deployment (flow/deployment)." };
    public Option<string?> Flow { get; } = new("--flow") { Description = "Only runs of this flow." };
    public Option<string?> Pool { get; } = new("--work-pool") { Description = "Only runs, pools or workers of this work pool." };
    public Option<string?> Tag { get; } = new("--tag") { Description = "Only runs with this tag." };
    public Option<double?> ForMinutes { get; } = new("--for-minutes") { Description = "For run_waiting and pool_not_ready: how long the condition must last." };
    public Option<int?> Threshold { get; } = new("--threshold") { Description = "Fire once per this many matching events (with --within-minutes)." };
    public Option<double?> Within { get; } = new("--within-minutes") { Description = "The window the --threshold events must fall in." };
    public Option<string[]> Webhooks { get; } = new("--webhook") { Description = "POST the event to this URL (repeatable)." };
    public Option<string[]> Notify { get; } = new("--notify") { Description = "POST to the channel whose webhook URL is kept in this secret (repeatable)." };
    public Option<string?> Preset { get; } = new("--preset") { Description = $"The webhooks' body: {EnumNames.List<WebhookPreset>()} (default event)." };
    public Option<string[]> Run { get; } = new("--run-deployment") { Description = "Create a run of this deployment (flow/deployment; repeatable)." };
    public Option<bool> PauseDeployment { get; } = new("--pause-deployment") { Description = "Pause the event's deployment." };
    public Option<string?> PausePool { get; } = new("--pause-work-pool") { Description = "Pause this work pool." };
    public Option<string?> ResumePool { get; } = new("--resume-work-pool") { Description = "Resume this work pool." };
    public Option<bool> Cancel { get; } = new("--cancel-run") { Description = "Cancel the event's run." };
    public Option<bool> Retry { get; } = new("--retry-run") { Description = "Schedule the event's finished run again." };
    public Option<string?> Description { get; } = new("--description") { Description = "Free text." };

    public IEnumerable<Option> All =>
    [
        Trigger, States, Deployment, Flow, Pool, Tag, ForMinutes, Threshold, Within, Webhooks, Notify, Preset, Run, PauseDeployment, PausePool, ResumePool,
        Cancel, Retry, Description,
    ];

    private IEnumerable<Option> TriggerOptions => [Trigger, States, Deployment, Flow, Pool, Tag, ForMinutes, Threshold, Within];

    private IEnumerable<Option> ActionOptions => [Webhooks, Notify, Preset, Run, PauseDeployment, PausePool, ResumePool, Cancel, Retry];

    public static string ActionFlagList => "--webhook, --notify, --run-deployment, --pause-deployment, --pause-work-pool, --resume-work-pool, --cancel-run, --retry-run";

    /// <summary>Whether any trigger flag was given.</summary>
    public bool AnyTrigger(ParseResult parse) => TriggerOptions.Any(option => parse.GetResult(option) is { Implicit: false });

    /// <summary>Whether any action flag was given.</summary>
    public bool AnyAction(ParseResult parse) => ActionOptions.Any(option => parse.GetResult(option) is { Implicit: false });

    /// <summary>The actions the flags name, in the order of the flags' kinds.</summary>
    public List<AutomationAction> Actions(ParseResult parse)
    {
        var bodyPreset = EnumOption.Parse<WebhookPreset>(parse.GetValue(Preset), "--preset");
        var actions = new List<AutomationAction>();
        actions.AddRange((parse.GetValue(Webhooks) ?? []).Select(url => new AutomationAction(AutomationActionKind.Webhook, url, Preset: bodyPreset)));
        actions.AddRange((parse.GetValue(Notify) ?? []).Select(secret => new AutomationAction(AutomationActionKind.Notify, Secret: secret, Preset: bodyPreset)));
        actions.AddRange((parse.GetValue(Run) ?? []).Select(address => new AutomationAction(AutomationActionKind.RunDeployment, Deployment: address)));
        if (parse.GetValue(PauseDeployment))
        {
            actions.Add(new AutomationAction(AutomationActionKind.PauseDeployment));
        }

        if (parse.GetValue(PausePool) is { } toPause)
        {
            actions.Add(new AutomationAction(AutomationActionKind.PauseWorkPool, WorkPool: toPause));
        }

        if (parse.GetValue(ResumePool) is { } toResume)
        {
            actions.Add(new AutomationAction(AutomationActionKind.ResumeWorkPool, WorkPool: toResume));
        }

        if (parse.GetValue(Cancel))
        {
            actions.Add(new AutomationAction(AutomationActionKind.CancelRun));
        }

        if (parse.GetValue(Retry))
        {
            actions.Add(new AutomationAction(AutomationActionKind.RetryRun));
        }

        return actions;
    }

    /// <summary>
    /// The trigger the flags describe; with <paramref name="current"/> (an update), each flag given replaces that field of
    /// the rule's trigger and the others stay. A new kind starts from an empty trigger of that kind.
    /// </summary>
    public AutomationTrigger TriggerFrom(ParseResult parse, AutomationTrigger? current)
    {
        var kind = EnumOption.Parse<AutomationTriggerKind>(parse.GetValue(Trigger), "--trigger");
        var baseline = current is not null && (kind is null || kind == current.Kind) ? current : new AutomationTrigger(kind ?? AutomationTriggerKind.RunState);
        var stateList = (parse.GetValue(States) ?? []).Select(state => StateTypeExtensions.TryParseWireName(state.ToUpperInvariant(), out var type)
            ? type
            : throw new CliException($"--state '{state}' is not a state; use one of {string.Join(", ", Enum.GetValues<StateType>().Select(s => s.ToWireName()))}.")).ToList();
        return baseline with
        {
            States = stateList.Count > 0 ? stateList : baseline.States,
            Deployment = Given(parse, Deployment) ? parse.GetValue(Deployment) : baseline.Deployment,
            Flow = Given(parse, Flow) ? parse.GetValue(Flow) : baseline.Flow,
            WorkPool = Given(parse, Pool) ? parse.GetValue(Pool) : baseline.WorkPool,
            Tag = Given(parse, Tag) ? parse.GetValue(Tag) : baseline.Tag,
            ForMinutes = Given(parse, ForMinutes) ? parse.GetValue(ForMinutes) : baseline.ForMinutes,
            Threshold = parse.GetValue(Threshold) ?? baseline.Threshold,
            WithinMinutes = Given(parse, Within) ? parse.GetValue(Within) : baseline.WithinMinutes,
        };
    }

    private static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };
}
