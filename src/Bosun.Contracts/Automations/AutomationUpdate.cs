namespace Bosun.Contracts.Automations;

/// <summary>
/// Changes an automation: each field given replaces the rule's, a field left out (null) keeps it. The rule is checked
/// as a whole afterwards, as on creation. Its ledger and the events it counted stay; deliveries not yet made carry out
/// the actions as they are when attempted.
/// </summary>
/// <param name="Name">A new unique name.</param>
/// <param name="Trigger">A new trigger (the whole trigger).</param>
/// <param name="Actions">New actions (the whole list), at least one.</param>
/// <param name="Description">New free text; an empty text removes it.</param>
/// <param name="Enabled">False pauses it, true resumes it.</param>
public sealed record AutomationUpdate(
    string? Name = null,
    AutomationTrigger? Trigger = null,
    IReadOnlyList<AutomationAction>? Actions = null,
    string? Description = null,
    bool? Enabled = null);
