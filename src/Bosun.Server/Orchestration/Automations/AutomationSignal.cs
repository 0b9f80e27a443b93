namespace Bosun.Server.Orchestration.Automations;

/// <summary>Wakes the automation dispatcher: a run changed state, a sweep fired a rule, a delivery finished.</summary>
internal sealed class AutomationSignal : ChangeSignal;
