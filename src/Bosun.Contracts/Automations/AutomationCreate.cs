namespace Bosun.Contracts.Automations;

/// <summary>Creates an automation.</summary>
/// <param name="Name">Unique name.</param>
/// <param name="Trigger">When it fires.</param>
/// <param name="Actions">What it does, in order; at least one.</param>
/// <param name="Description">Free text.</param>
/// <param name="Enabled">False creates it paused.</param>
public sealed record AutomationCreate(
    string Name,
    AutomationTrigger Trigger,
    IReadOnlyList<AutomationAction> Actions,
    string? Description = null,
    bool Enabled = true);
