using System.Globalization;
using System.Text.Json.Serialization;
using Bosun.Contracts.States;

namespace Bosun.Contracts.Automations;

/// <summary>When an automation fires: an event of <paramref name="Kind"/> that matches every filter given, <paramref name="Threshold"/> times within <paramref name="WithinMinutes"/>.</summary>
/// <param name="Kind">What to watch.</param>
/// <param name="States">For <see cref="AutomationTriggerKind.RunState"/>: the states that fire (e.g. FAILED, CRASHED); empty for every state.</param>
/// <param name="Deployment">Only runs (or skipped slots) of this deployment, as flow/deployment.</param>
/// <param name="Flow">Only runs of this flow.</param>
/// <param name="WorkPool">Only runs, pools or workers of this work pool.</param>
/// <param name="Tag">Only runs carrying this tag.</param>
/// <param name="ForMinutes">For <see cref="AutomationTriggerKind.RunWaiting"/> and <see cref="AutomationTriggerKind.PoolNotReady"/>: how long the condition must last.</param>
/// <param name="Threshold">How many matching events fire the actions once (1: every event).</param>
/// <param name="WithinMinutes">With a threshold above 1: the window the events must fall in.</param>
public sealed record AutomationTrigger(
    [property: JsonRequired] AutomationTriggerKind Kind,
    IReadOnlyList<StateType>? States = null,
    string? Deployment = null,
    string? Flow = null,
    string? WorkPool = null,
    string? Tag = null,
    double? ForMinutes = null,
    int Threshold = 1,
    double? WithinMinutes = null)
{
    /// <summary>The trigger in a few words for lists: <c>run_state FAILED,CRASHED of etl/nightly, 3 within 10 min</c>.</summary>
    public string Describe()
    {
        var parts = new List<string> { EnumNames.Of(Kind) };
        if (States is { Count: > 0 })
        {
            parts.Add(string.Join(",", States.Select(state => state.ToWireName())));
        }

        parts.AddRange(new[] { Deployment, Flow, WorkPool }.OfType<string>().Select(filter => $"of {filter}"));
        if (Tag is not null)
        {
            parts.Add($"tagged {Tag}");
        }

        if (ForMinutes is { } minutes)
        {
            parts.Add($"for {minutes.ToString(CultureInfo.InvariantCulture)} min");
        }

        if (Threshold > 1)
        {
            parts.Add($"{Threshold} within {WithinMinutes?.ToString(CultureInfo.InvariantCulture)} min");
        }

        return string.Join(" ", parts);
    }
}
