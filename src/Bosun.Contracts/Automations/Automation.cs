namespace Bosun.Contracts.Automations;

/// <summary>A rule stored on the server: a trigger and the actions it fires.</summary>
/// <param name="Id">Identifier.</param>
/// <param name="Name">Unique name.</param>
/// <param name="Description">Free text.</param>
/// <param name="Enabled">False while paused: matching events are ignored.</param>
/// <param name="Trigger">When it fires.</param>
/// <param name="Actions">What it does.</param>
/// <param name="Created">When it was created.</param>
/// <param name="Updated">When it last changed.</param>
public sealed record Automation(
    Guid Id,
    string Name,
    string? Description,
    bool Enabled,
    AutomationTrigger Trigger,
    IReadOnlyList<AutomationAction> Actions,
    DateTimeOffset Created,
    DateTimeOffset Updated);
